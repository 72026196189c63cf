import { ProtocolError } from '../primitives/protocol-error';
import { BATCH_HEADER_SIZE, BATCH_LENGTH, BatchHeader, LOG_OVERHEAD, MAGIC, readBatchHeader } from './batch-header';

/**
 * Walks a buffer of concatenated RecordBatch v2 (as stored in a segment,
 * sent in a Produce request or returned by a Fetch), checking each length
 * against the bytes really there before reading the header.
 */
export interface BatchLocation {
  /** Where the batch starts in the buffer. */
  position: number;
  /** Bytes it occupies: LOG_OVERHEAD + batchLength. */
  size: number;
  header: BatchHeader;
}

export interface IterateBatchesOptions {
  /**
   * Fetched data may end with a partial batch (the broker cuts at max bytes):
   * with this set, a truncated tail ends the walk quietly. Otherwise it is a
   * ProtocolError.
   */
  allowPartialTail?: boolean;
}

/** Bytes needed to read `batchLength` and `magic` of the next batch. */
const PREFIX_SIZE = MAGIC + 1;

export function* iterateBatches(buf: Buffer, options: IterateBatchesOptions = {}): Generator<BatchLocation> {
  let pos = 0;
  while (pos < buf.length) {
    const left = buf.length - pos;
    if (left < PREFIX_SIZE) {
      if (options.allowPartialTail) return;
      throw new ProtocolError('truncated', `${left} trailing bytes at position ${pos} are not a batch`);
    }
    const batchLength = buf.readInt32BE(pos + BATCH_LENGTH);
    const magic = buf.readInt8(pos + MAGIC);
    if (magic !== 2) throw new ProtocolError('invalid-value', `record batch at position ${pos} has magic ${magic}, expected 2`);
    if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
      throw new ProtocolError('invalid-length', `record batch at position ${pos} has length ${batchLength}, below the header size`);
    }
    const size = LOG_OVERHEAD + batchLength;
    if (size > left) {
      if (options.allowPartialTail) return;
      throw new ProtocolError('truncated', `record batch at position ${pos} needs ${size} bytes, ${left} left`);
    }
    yield { position: pos, size, header: readBatchHeader(buf, pos) };
    pos += size;
  }
}

export function forEachBatch(buf: Buffer, fn: (batch: BatchLocation) => void, options: IterateBatchesOptions = {}): void {
  for (const b of iterateBatches(buf, options)) fn(b);
}
