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
  /** An open file descriptor, kept open by this region until `release`. */
  readonly fd: number;
  readonly position: number;
  readonly length: number;
  /**
   * Gives up this region's hold on its file. A region is acquired when the
   * storage layer hands it out; whoever holds it last releases it exactly
   * once: the network layer when its bytes have been read out for the socket
   * or the connection died, or the code that drops it unsent. Releasing
   * twice is harmless; reading after releasing is a bug (the descriptor may
   * be closed and its number reused).
   */
  release(): void;
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

/** Releases the file regions in `v` (a value dropped without being sent). */
export function releaseRecords(v: RecordsValue | null | undefined): void {
  if (v === null || v === undefined || Buffer.isBuffer(v)) return;
  if (isFileRegion(v)) {
    v.release();
    return;
  }
  for (const c of v) if (isFileRegion(c)) c.release();
}

/**
 * Releases every file region anywhere inside a decoded-or-built message (a
 * response that will not be sent: its connection closed first, or encoding
 * it failed). Walks plain objects and arrays; Buffers hold no regions.
 */
export function releaseRecordsIn(message: unknown): void {
  if (typeof message !== 'object' || message === null || Buffer.isBuffer(message)) return;
  if (isFileRegion(message)) {
    message.release();
    return;
  }
  for (const v of Array.isArray(message) ? message : Object.values(message)) releaseRecordsIn(v);
}
