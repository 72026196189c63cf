/**
 * Java `.properties` syntax (java.util.Properties.load), so a Kafka
 * server.properties file reads exactly as Kafka reads it:
 * - `#` or `!` as the first non-blank character makes the line a comment;
 * - the key ends at the first unescaped `=`, `:` or whitespace; then blanks,
 *   at most one `=`/`:`, and blanks again are skipped; the rest is the value;
 * - a line ending in an odd number of backslashes continues on the next line,
 *   whose leading blanks are dropped;
 * - escapes: \t \n \r \f \uXXXX, and `\x` is `x` for any other character;
 * - a key given twice keeps its last value.
 */
import { readFileSync } from 'node:fs';

export interface PropertiesParseResult {
  /** Keys in first-seen order; values are the last assignment. */
  readonly properties: Map<string, string>;
  /** Malformed \u escapes, with 1-based line numbers. */
  readonly errors: readonly string[];
}

const BLANK = new Set([' ', '\t', '\f']);

function endsWithOddBackslashes(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) count++;
  return count % 2 === 1;
}

function skipBlanks(text: string, from: number): number {
  let i = from;
  while (i < text.length && BLANK.has(text[i] ?? '')) i++;
  return i;
}

interface Unescaped {
  readonly text: string;
  readonly error?: string;
}

function unescape(text: string): Unescaped {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === undefined) break;
    if (next === 't') out += '\t';
    else if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else if (next === 'f') out += '\f';
    else if (next === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) return { text: out, error: 'Malformed \\uxxxx encoding' };
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else out += next;
  }
  return { text: out };
}

/** Index just past the key: first unescaped '=', ':' or blank. */
function keyEnd(line: string, from: number): number {
  for (let i = from; i < line.length; i++) {
    const c = line[i] ?? '';
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '=' || c === ':' || BLANK.has(c)) return i;
  }
  return line.length;
}

export function parseProperties(text: string): PropertiesParseResult {
  const properties = new Map<string, string>();
  const errors: string[] = [];
  const natural = text.split(/\r\n|\r|\n/);
  for (let n = 0; n < natural.length; n++) {
    const firstLine = n + 1;
    const raw = natural[n] ?? '';
    const start = skipBlanks(raw, 0);
    if (start === raw.length) continue;
    const first = raw[start];
    if (first === '#' || first === '!') continue;
    // Join continuation lines into one logical line.
    let logical = raw.slice(start);
    while (endsWithOddBackslashes(logical) && n + 1 < natural.length) {
      logical = logical.slice(0, -1);
      const next = natural[++n] ?? '';
      logical += next.slice(skipBlanks(next, 0));
    }
    if (endsWithOddBackslashes(logical)) logical = logical.slice(0, -1);

    const end = keyEnd(logical, 0);
    let valueStart = skipBlanks(logical, end);
    if (logical[valueStart] === '=' || logical[valueStart] === ':') valueStart = skipBlanks(logical, valueStart + 1);
    const key = unescape(logical.slice(0, end));
    const value = unescape(logical.slice(valueStart));
    const error = key.error ?? value.error;
    if (error !== undefined) {
      errors.push(`line ${firstLine}: ${error}`);
      continue;
    }
    properties.set(key.text, value.text);
  }
  return { properties, errors };
}

/** Read and parse a properties file (the one I/O this module does). */
export function readPropertiesFile(path: string): PropertiesParseResult {
  return parseProperties(readFileSync(path, 'utf8'));
}
