/**
 * Counts the records a Produce request appended, per topic, from the batch
 * headers alone (RecordBatch v2 keeps the record count at byte 57; a legacy
 * message set is counted as one record per entry, which is what was sent).
 * Only partitions the response reports without error are counted.
 */
import type { ProduceRequest, ProduceResponse } from '../protocol/messages';
import { BATCH_LENGTH, LOG_OVERHEAD, MAGIC, RECORD_COUNT } from '../protocol/records/batch-header';
import { isFileRegion, type RecordsValue } from '../protocol/primitives/records-value';

function countInBuffer(buf: Buffer): number {
  let n = 0;
  let pos = 0;
  while (pos + LOG_OVERHEAD <= buf.length) {
    const size = LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH);
    if (size <= LOG_OVERHEAD || pos + size > buf.length) break;
    n += buf.readInt8(pos + MAGIC) === 2 && pos + RECORD_COUNT + 4 <= buf.length ? buf.readInt32BE(pos + RECORD_COUNT) : 1;
    pos += size;
  }
  return n;
}

function countRecords(v: RecordsValue | null): number {
  if (v === null) return 0;
  if (Buffer.isBuffer(v)) return countInBuffer(v);
  if (isFileRegion(v)) return 0;
  let n = 0;
  for (const c of v) if (Buffer.isBuffer(c)) n += countInBuffer(c);
  return n;
}

/** topic -> records appended. acks=0 requests (no response) are counted as sent. */
export function countProducedRecords(request: unknown, response: unknown): Map<string, number> {
  const req = request as ProduceRequest;
  const res = response as ProduceResponse | null;
  const ok = new Set<string>();
  if (res) for (const t of res.responses) for (const p of t.partitionResponses) if (p.errorCode === 0) ok.add(`${t.name}\u0000${p.index}`);
  const out = new Map<string, number>();
  for (const t of req.topicData) {
    for (const p of t.partitionData) {
      if (res && !ok.has(`${t.name}\u0000${p.index}`)) continue;
      const n = countRecords(p.records);
      if (n > 0) out.set(t.name, (out.get(t.name) ?? 0) + n);
    }
  }
  return out;
}
