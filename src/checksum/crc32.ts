/**
 * IEEE CRC32 of some bytes: the checksum of legacy (magic 0 and 1) messages,
 * which only old clients send. Node has it as zlib.crc32 since 20.15; the
 * Node 20 releases before that (package.json allows any 20) get
 * @node-rs/crc32's, required only then.
 */
import type * as NodeRsCrc32 from '@node-rs/crc32';

/** IEEE CRC32 of `bytes`; unsigned. */
export type Crc32 = (bytes: Uint8Array) => number;

/** zlib.crc32's shape, where this Node has it. */
type ZlibCrc32 = (data: Uint8Array, value?: number) => number;

let nodeRs: typeof NodeRsCrc32 | undefined;

/** @node-rs/crc32's crc32, the library loaded on the first call. */
export const nodeRsCrc32: Crc32 = (bytes) => (nodeRs ??= require('@node-rs/crc32') as typeof NodeRsCrc32).crc32(bytes) >>> 0;

/** The crc32 to use given this Node's zlib.crc32 (undefined: a Node 20 before 20.15). */
export function crc32For(zlibCrc32: ZlibCrc32 | undefined): Crc32 {
  return typeof zlibCrc32 === 'function' ? (bytes) => zlibCrc32(bytes) : nodeRsCrc32;
}

let chosen: Crc32 | undefined;

/** The broker's crc32; node:zlib is loaded by the first legacy message, not at start (compression.ts loads it lazily too). */
export const crc32: Crc32 = (bytes) => (chosen ??= crc32For((require('node:zlib') as { crc32?: ZlibCrc32 }).crc32))(bytes);
