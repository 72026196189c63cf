/**
 * The generated codec for a schema, looked up by name (`FetchRequest` ->
 * `FetchRequestCodec`) so schema-driven tests need no hand-kept table.
 */
import type { MessageCodec } from '../primitives/codec-support';
import * as messages from '../messages';
import type { MessageSchema } from './schema-types';

const exported: Readonly<Record<string, unknown>> = messages;

function isCodec(x: unknown): x is MessageCodec<unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Partial<Record<keyof MessageCodec<unknown>, unknown>>;
  return typeof c.read === 'function' && typeof c.write === 'function' && typeof c.size === 'function';
}

export function codecFor(m: MessageSchema): MessageCodec<unknown> {
  const codec = exported[`${m.name}Codec`];
  if (!isCodec(codec)) throw new Error(`no generated codec ${m.name}Codec`);
  return codec;
}
