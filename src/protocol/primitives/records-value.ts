/**
 * What a `records` field holds.
 *
 * Decoding always yields a `Buffer` slice of the received frame. Encoding
 * also accepts a `FileRegion` (bytes that stay in a segment file and are
 * streamed to the socket by the network layer) or a list of both, so a Fetch
 * response never copies record bytes through JavaScript.
 */
export interface FileRegion {
  readonly kind: 'file';
  /** An open file descriptor; its owner keeps it open until the region is sent. */
  readonly fd: number;
  readonly position: number;
  readonly length: number;
}

export type RecordsChunk = Buffer | FileRegion;
export type RecordsValue = RecordsChunk | readonly RecordsChunk[];

export function isFileRegion(v: unknown): v is FileRegion {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'file';
}

export function recordsLength(v: RecordsValue): number {
  if (Buffer.isBuffer(v) || isFileRegion(v)) return v.length;
  let n = 0;
  for (const c of v) n += c.length;
  return n;
}
