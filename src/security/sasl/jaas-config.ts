/**
 * Parses a JAAS configuration as Kafka reads `sasl.jaas.config`:
 *
 *   org.apache.kafka.common.security.plain.PlainLoginModule required
 *     username="admin" password="admin-secret" user_alice="alice-secret";
 *
 * One or more `LoginModule flag key=value... ;` entries; values are words or
 * quoted strings (with backslash escapes); `//` and `/* *\/` comments are
 * skipped, as Java's StreamTokenizer does for Kafka. Errors use Kafka's words
 * and never echo a value (they may be passwords).
 */

export interface JaasEntry {
  loginModule: string;
  controlFlag: 'required' | 'requisite' | 'sufficient' | 'optional';
  options: ReadonlyMap<string, string>;
}

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: 'punct'; text: '=' | ';' };

function isWordStart(c: string): boolean {
  return /[A-Za-z0-9_$\-.]/.test(c) || c.charCodeAt(0) >= 160;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c <= ' ') {
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === '=' || c === ';') {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else if (c === '"' || c === "'") {
      let out = '';
      i++;
      while (i < text.length && text[i] !== c && text[i] !== '\n') {
        if (text[i] === '\\' && i + 1 < text.length) {
          const e = text[i + 1]!;
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          i += 2;
        } else {
          out += text[i++];
        }
      }
      i++; // closing quote
      tokens.push({ kind: 'quoted', text: out });
    } else if (isWordStart(c)) {
      let j = i;
      while (j < text.length && isWordStart(text[j]!)) j++;
      tokens.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
    } else {
      throw new Error(`unexpected character '${c}' in JAAS config`);
    }
  }
  return tokens;
}

export function parseJaasConfig(text: string): JaasEntry[] {
  const tokens = tokenize(text);
  const entries: JaasEntry[] = [];
  let i = 0;
  const next = (): Token | undefined => tokens[i++];
  while (i < tokens.length) {
    const module = next()!;
    if (module.kind === 'punct') throw new Error('Login module not specified in JAAS config');
    const flagToken = next();
    if (flagToken === undefined) throw new Error('Login module control flag not specified in JAAS config');
    const flag = flagToken.text.toLowerCase();
    if (flag !== 'required' && flag !== 'requisite' && flag !== 'sufficient' && flag !== 'optional') {
      throw new Error(`Invalid login module control flag '${flagToken.text}' in JAAS config`);
    }
    const options = new Map<string, string>();
    let terminated = false;
    for (let t = next(); t !== undefined; t = next()) {
      if (t.kind === 'punct' && t.text === ';') {
        terminated = true;
        break;
      }
      const key = t.text;
      const eq = next();
      const value = next();
      if (eq?.text !== '=' || eq.kind !== 'punct' || value === undefined || value.kind === 'punct') {
        throw new Error(`Value not specified for key '${key}' in JAAS config`);
      }
      options.set(key, value.text);
    }
    if (!terminated) throw new Error('JAAS config entry not terminated by semi-colon');
    entries.push({ loginModule: module.text, controlFlag: flag, options });
  }
  if (entries.length === 0) throw new Error('Login module not specified in JAAS config');
  return entries;
}

/** `sasl.jaas.config` must hold exactly one login module (Kafka's JaasContext rule). */
export function parseSingleJaasEntry(text: string, configName: string): JaasEntry {
  const entries = parseJaasConfig(text);
  if (entries.length !== 1) throw new Error(`${configName} must contain exactly one login module, found ${entries.length}`);
  return entries[0]!;
}
