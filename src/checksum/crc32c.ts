/**
 * CRC32C (Castagnoli) of some bytes: the checksum of every RecordBatch v2,
 * checked over each produced batch, and of the broker's own files.
 *
 * Computed by Weir's addon (hardware CRC instructions where the CPU has
 * them; see native/crc32c.c) when it is loaded, else by @node-rs/crc32,
 * which is required only then: where the addon exists (Linux with a
 * compiler at install, or the package's prebuilt copy) that library is
 * never loaded, and its loading alone costs 3.6 MB of resident memory.
 * Without the addon (macOS, Windows, no compiler) it is as fast as before.
 */
import type * as NodeRsCrc32 from '@node-rs/crc32';
import { type NativeAddon, nativeAddon } from '../native/addon';

/** CRC32C of `bytes`, continuing from the CRC `initial` of the bytes before them (default 0); unsigned. */
export type Crc32c = (bytes: Uint8Array, initial?: number) => number;

let nodeRs: typeof NodeRsCrc32 | undefined;

/** @node-rs/crc32's crc32c, the library loaded on the first call. */
export const nodeRsCrc32c: Crc32c = (bytes, initial) =>
  (nodeRs ??= require('@node-rs/crc32') as typeof NodeRsCrc32).crc32c(bytes, initial) >>> 0;

/** The crc32c to use given the addon this process loaded (null: none). */
export function crc32cFor(addon: NativeAddon | null): Crc32c {
  return addon === null ? nodeRsCrc32c : addon.crc32c;
}

const addon = nativeAddon();

export const crc32c: Crc32c = crc32cFor(addon);

/** What computes crc32c in this process (the start-up line says): the addon's code ('sse4.2', ...) or '@node-rs/crc32'. */
export const crc32cMethod: string = addon === null ? '@node-rs/crc32' : addon.crc32cMethod;
