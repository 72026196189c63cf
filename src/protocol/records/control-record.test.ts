import { ProtocolError } from '../primitives/protocol-error';
import { ATTRIBUTES, CONTROL_FLAG, TRANSACTIONAL_FLAG } from './batch-header';
import { ControlRecordType, decodeControlKey, encodeControlKey, encodeEndTxnMarkerBatch, readEndTxnMarker } from './control-record';
import { decodeRecordBatch } from './record-batch';

describe('control records', () => {
  it('encodes the key and value as Kafka lays them out', () => {
    expect(encodeControlKey(ControlRecordType.Commit).toString('hex')).toBe('00000001');
    expect(encodeControlKey(ControlRecordType.Abort).toString('hex')).toBe('00000000');
  });

  it('builds a transactional control batch carrying one marker', () => {
    const buf = encodeEndTxnMarkerBatch(ControlRecordType.Abort, { producerId: 42n, producerEpoch: 3, coordinatorEpoch: 9, timestamp: 1234n, baseOffset: 77n });
    expect(buf.readInt16BE(ATTRIBUTES)).toBe(TRANSACTIONAL_FLAG | CONTROL_FLAG);
    const batch = decodeRecordBatch(buf);
    expect(batch.control && batch.transactional).toBe(true);
    expect(batch.header).toMatchObject({ producerId: 42, producerEpoch: 3, baseSequence: -1, recordCount: 1, baseOffset: 77, maxTimestamp: 1234 });
    const [record] = batch.records;
    expect(record!.value!.toString('hex')).toBe('000000000009');
    expect(readEndTxnMarker(record!)).toEqual({ type: ControlRecordType.Abort, coordinatorEpoch: 9 });
  });

  it('rejects short keys and values with ProtocolError and tolerates newer trailing bytes', () => {
    expect(() => decodeControlKey(Buffer.from([0, 0, 1]))).toThrow(ProtocolError);
    expect(() => readEndTxnMarker({ key: encodeControlKey(ControlRecordType.Commit), value: Buffer.from([0, 0]) })).toThrow(ProtocolError);
    expect(decodeControlKey(Buffer.from([0, 1, 0, 1, 9, 9]))).toEqual({ version: 1, type: 1 });
    expect(readEndTxnMarker({ key: Buffer.from([0, 0, 0, 5]), value: null })).toBeNull();
  });
});
