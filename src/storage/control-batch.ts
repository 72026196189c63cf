/**
 * Reads the end-transaction marker out of a stored control batch: the batch
 * header says "control", only its one record says COMMIT or ABORT (and the
 * coordinator epoch). Control batches are small and never compressed.
 */
import { decodeRecordBatch, readEndTxnMarker, type EndTxnMarker } from '../protocol/records';

export function endTxnMarkerAt(buf: Buffer, position: number): EndTxnMarker | null {
  try {
    const batch = decodeRecordBatch(buf, position, { verifyCrc: false });
    const first = batch.records[0];
    return first ? readEndTxnMarker(first) : null;
  } catch {
    // A malformed control record ends nothing we can index.
    return null;
  }
}
