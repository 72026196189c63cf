/**
 * `ssl.principal.mapping.rules`, as Kafka's SslPrincipalMapper applies them
 * to a client certificate's distinguished name:
 *
 *   RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, RULE:^CN=([^,]+).*$/$1/, DEFAULT
 *
 * Rules are tried in order; a RULE applies when its pattern matches the whole
 * DN, and the DN is rewritten with the replacement ($1... back-references),
 * then lower- or upper-cased for /L or /U. DEFAULT yields the DN unchanged.
 * No rule applying is an error (the connection is refused), as in Kafka.
 * Patterns are Java regexes; the common subset is the same in JavaScript.
 */

interface Rule {
  kind: 'default' | 'rule';
  pattern?: RegExp;
  replacement?: string;
  toLowerCase?: boolean;
  toUpperCase?: boolean;
  text: string;
}

const RULE_BODY = String.raw`(DEFAULT)|RULE:((?:\\.|[^\\/])*)/((?:\\.|[^\\/])*)/([LU]?).*?|(.*?)`;
const RULE_SPLITTER = new RegExp(String.raw`\s*(` + RULE_BODY + String.raw`)\s*(?:,\s*|$)`, 'gy');
const RULE_PARSER = new RegExp(`^(?:${RULE_BODY})`);

export class NoMatchingRuleError extends Error {}

export class SslPrincipalMapper {
  private readonly rules: Rule[];

  constructor(rulesText: string) {
    this.rules = parseRules(splitRules(rulesText));
  }

  principalName(dn: string): string {
    for (const r of this.rules) {
      if (r.kind === 'default') return dn;
      const full = new RegExp(`^(?:${r.pattern!.source})$`);
      if (!full.test(dn)) continue;
      let out = dn.replace(new RegExp(r.pattern!.source, 'g'), javaReplacement(r.replacement!));
      if (r.toLowerCase) out = out.toLowerCase();
      else if (r.toUpperCase) out = out.toUpperCase();
      return out;
    }
    throw new NoMatchingRuleError(`No rules apply to ${dn}, rules ${this.rules.map((r) => r.text).join(', ')}`);
  }
}

function splitRules(text: string): string[] {
  const result: string[] = [];
  const s = text.trim();
  RULE_SPLITTER.lastIndex = 0;
  while (RULE_SPLITTER.lastIndex < s.length) {
    const before = RULE_SPLITTER.lastIndex;
    const m = RULE_SPLITTER.exec(s);
    if (!m) throw new Error(`ssl.principal.mapping.rules: cannot parse '${s.slice(before)}'`);
    result.push(m[1]!);
    if (RULE_SPLITTER.lastIndex === before) break;
  }
  return result;
}

function parseRules(texts: string[]): Rule[] {
  const rules: Rule[] = [];
  for (const text of texts) {
    if (text === '') continue; // empty rules are ignored
    // Kafka's lookingAt(): the rule must be matched from its start and to its end.
    const m = RULE_PARSER.exec(text);
    if (!m || m[0].length !== text.length) throw new Error(`ssl.principal.mapping.rules: invalid rule: ${text}`);
    if (m[1] !== undefined) rules.push({ kind: 'default', text });
    else if (m[2] !== undefined) {
      let pattern: RegExp;
      try {
        pattern = new RegExp(m[2]);
      } catch (err) {
        throw new Error(`ssl.principal.mapping.rules: invalid pattern in ${text}: ${(err as Error).message}`);
      }
      rules.push({ kind: 'rule', pattern, replacement: m[3]!, toLowerCase: m[4] === 'L', toUpperCase: m[4] === 'U', text });
    } else {
      throw new Error(`ssl.principal.mapping.rules: invalid rule: ${text}`);
    }
  }
  return rules;
}

/** Java replacement syntax ($1, \$ for a literal $) to JavaScript's ($1, $$). */
function javaReplacement(r: string): string {
  let out = '';
  for (let i = 0; i < r.length; i++) {
    const c = r[i]!;
    if (c === '\\' && i + 1 < r.length) {
      const n = r[++i]!;
      out += n === '$' ? '$$' : n;
    } else {
      out += c;
    }
  }
  return out;
}
