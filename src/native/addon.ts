/**
 * Weir's native addon (`native/`, built into weir_native.node by
 * scripts/build-native.js): the few things Node lacks that are worth C.
 * This module finds and loads it, once per process, for everything that
 * uses it (sendfile.ts, the CRC32C in checksum/crc32c.ts).
 *
 * It answers null where there is no addon: not Linux, no C compiler at
 * install, or a prebuilt copy for another CPU or C library. Every user has a
 * path without it.
 */
import * as path from 'node:path';

export interface NativeAddon {
  /** sendfile(2) once (retried on EINTR): bytes sent, 0 when the file ends at `position`, or a negative errno. */
  sendfile(outFd: number, inFd: number, position: number, length: number): number;
  /** CRC32C of `bytes`, continuing from the CRC `initial` of the bytes before them (default 0); unsigned. */
  crc32c(bytes: Uint8Array, initial?: number): number;
  /** The same, always with the portable slice-by-8 code (for tests and benchmarks). */
  crc32cPortable(bytes: Uint8Array, initial?: number): number;
  /** Which code `crc32c` runs on this CPU: 'sse4.2', 'armv8-crc' or 'slice-by-8'. */
  readonly crc32cMethod: string;
}

/**
 * Where the addon may be, first found wins: this checkout's own build, then
 * the copy the published package ships for the platform it was packed on.
 * dist/native/ and src/native/ are both two levels below the package root.
 */
const ADDON_PATHS = [
  path.join(__dirname, '..', '..', 'native', 'build', 'Release', 'weir_native.node'),
  path.join(__dirname, '..', '..', 'prebuilds', `${process.platform}-${process.arch}`, 'weir_native.node'),
];

let addon: NativeAddon | null | undefined;

/** The loaded addon, or null when none of ADDON_PATHS loads here. */
export function nativeAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  for (const file of ADDON_PATHS) {
    try {
      addon = require(file) as NativeAddon;
      break;
    } catch {
      // Not built here, or built for another platform or C library: try the next.
    }
  }
  return addon;
}
