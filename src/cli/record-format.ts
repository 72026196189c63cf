/**
 * Output formats for `weir consume`, kcat-style: a template with
 * placeholders, or `json` for one JSON object per line.
 *
 *   %t topic  %p partition  %o offset  %k key  %v value  %T timestamp (ms)
 *   %h headers (k=v,k=v)  %K key length  %S value length  %%  a percent sign
 *   \n \t \\  newline, tab, backslash
 *
 * A null key or value prints as an empty string (and -1 for its length).
 */
import type { Record } from '../protocol/records';

export type RecordFormatter = (topic: string, partition: number, r: Record) => string;

export const DEFAULT_FORMAT = '%v\\n';

function text(b: Buffer | null): string {
  return b === null ? '' : b.toString('utf8');
}

function headersText(r: Record): string {
  return r.headers.map((h) => `${h.key}=${text(h.value)}`).join(',');
}

export function compileFormat(format: string): RecordFormatter {
  if (format === 'json') {
    return (topic, partition, r) =>
      JSON.stringify({
        topic,
        partition,
        offset: Number(r.offset),
        timestamp: Number(r.timestamp),
        key: r.key === null ? null : text(r.key),
        value: r.value === null ? null : text(r.value),
        headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value === null ? null : text(h.value)])),
      }) + '\n';
  }
  // Compile once into literal and placeholder parts: formatting runs per record.
  type Part = string | ((topic: string, partition: number, r: Record) => string);
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    const next = format[i + 1];
    if (c === '\\' && next !== undefined) {
      literal += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next === '0' ? '\0' : next;
      i++;
      continue;
    }
    if (c !== '%' || next === undefined) {
      literal += c;
      continue;
    }
    i++;
    let part: Part | null = null;
    switch (next) {
      case '%': literal += '%'; continue;
      case 't': part = (t) => t; break;
      case 'p': part = (_t, p) => String(p); break;
      case 'o': part = (_t, _p, r) => String(r.offset); break;
      case 'k': part = (_t, _p, r) => text(r.key); break;
      case 'v': part = (_t, _p, r) => text(r.value); break;
      case 'T': part = (_t, _p, r) => String(r.timestamp); break;
      case 'h': part = (_t, _p, r) => headersText(r); break;
      case 'K': part = (_t, _p, r) => String(r.key === null ? -1 : r.key.length); break;
      case 'S': part = (_t, _p, r) => String(r.value === null ? -1 : r.value.length); break;
      default: throw new Error(`unknown placeholder %${next} in --format (known: %t %p %o %k %v %T %h %K %S %%)`);
    }
    if (literal) parts.push(literal);
    literal = '';
    parts.push(part);
  }
  if (literal) parts.push(literal);
  return (topic, partition, r) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(topic, partition, r);
    return out;
  };
}
