import * as fc from 'fast-check';
import { ErrorCode } from '../errors';
import { BASE_SEQUENCE, LAST_OFFSET_DELTA } from './batch-header';
import { Codec } from './compression';
import { ControlRecordType, encodeEndTxnMarkerBatch } from './control-record';
import { writeBatchCrc } from './crc';
import { encodeMessageSet } from './message-set';
import { decodeRecordBatch, encodeRecordBatch } from './record-batch';
import { findRecordWithoutKey, validateLegacyProduce, validateProduceRecords } from './validate-produce';

const idempotent = { producerId: 5n, producerEpoch: 1, baseSequence: 0 };

describe('validateProduceRecords', () => {
  it('accepts a good batch and reports its header and totals', () => {
    const buf = encodeRecordBatch(
      [
        { key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 10n },
        { key: Buffer.from('b'), value: Buffer.from('2'), timestamp: 30n },
      ],
      { ...idempotent, transactional: true },
    );
    const v = validateProduceRecords(buf);
    expect(v.errorCode).toBe(ErrorCode.NONE);
    expect(v.recordCount).toBe(2);
    expect(v.maxTimestamp).toBe(30);
    expect(v.transactional).toBe(true);
    expect(v.batches).toHaveLength(1);
    expect(v.batches[0]).toMatchObject({ position: 0, size: buf.length, compression: Codec.None });
    expect(v.batches[0]!.header).toMatchObject({ producerId: 5, producerEpoch: 1, baseSequence: 0 });
  });

  it('accepts compressed batches without decompressing them', () => {
    for (const codec of [Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd]) {
      const buf = encodeRecordBatch([{ value: Buffer.alloc(1000) }], { compression: codec });
      expect(validateProduceRecords(buf).errorCode).toBe(ErrorCode.NONE);
    }
  });

  it('maps problems to Kafka error codes', () => {
    const good = encodeRecordBatch([{ value: Buffer.from('x') }, { value: Buffer.from('y') }]);
    const code = (b: Buffer, apiVersion?: number): number => validateProduceRecords(b, { apiVersion }).errorCode;

    const badCrc = Buffer.from(good);
    badCrc[good.length - 1] = badCrc[good.length - 1]! ^ 1;
    expect(code(badCrc)).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(code(good.subarray(0, good.length - 1))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(code(good.subarray(0, 40))).toBe(ErrorCode.CORRUPT_MESSAGE);

    const offset = Buffer.from(good);
    offset.writeBigInt64BE(3n, 0);
    expect(code(offset)).toBe(ErrorCode.INVALID_RECORD);

    const delta = Buffer.from(good);
    delta.writeInt32BE(5, LAST_OFFSET_DELTA);
    writeBatchCrc(delta);
    expect(code(delta)).toBe(ErrorCode.INVALID_RECORD);

    const sequence = encodeRecordBatch([{ value: Buffer.from('x') }], idempotent);
    sequence.writeInt32BE(-1, BASE_SEQUENCE);
    writeBatchCrc(sequence);
    expect(code(sequence)).toBe(ErrorCode.INVALID_RECORD);

    const control = encodeEndTxnMarkerBatch(ControlRecordType.Commit, { producerId: 1n, producerEpoch: 0, coordinatorEpoch: 0, timestamp: 0n });
    expect(code(control)).toBe(ErrorCode.INVALID_RECORD);

    expect(code(Buffer.concat([good, good]))).toBe(ErrorCode.INVALID_RECORD);
    expect(code(Buffer.alloc(0))).toBe(ErrorCode.INVALID_RECORD);

    const legacy = encodeMessageSet([{ offset: 0n, key: null, value: Buffer.from('x') }], { magic: 1 });
    expect(code(legacy)).toBe(ErrorCode.INVALID_RECORD);

    const zstd = encodeRecordBatch([{ value: Buffer.from('x') }], { compression: Codec.Zstd });
    expect(code(zstd, 6)).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect(code(zstd, 7)).toBe(ErrorCode.NONE);

    const codec = Buffer.from(good);
    codec.writeInt16BE(6, 21);
    writeBatchCrc(codec);
    expect(code(codec)).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('never throws on hostile bytes', () => {
    const good = encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v') }]);
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), fc.nat(good.length), (at, xor, cut) => {
        const bad = Buffer.from(good);
        bad[at] = bad[at]! ^ xor;
        for (const input of [bad, good.subarray(0, cut)]) {
          const v = validateProduceRecords(input);
          if (input.equals(good)) expect(v.errorCode).toBe(ErrorCode.NONE);
          else if (at >= 16 || input.length < good.length) expect(v.errorCode).not.toBe(ErrorCode.NONE);
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof validateProduceRecords(Buffer.from(bytes)).errorCode).toBe('number');
      }),
    );
  });
});

describe('validateLegacyProduce', () => {
  it('up-converts a good set and validates the result', () => {
    const set = encodeMessageSet(
      [
        { offset: 0n, timestamp: 3n, key: Buffer.from('a'), value: Buffer.from('1') },
        { offset: 1n, timestamp: 4n, key: Buffer.from('b'), value: Buffer.from('2') },
      ],
      { magic: 1, compression: Codec.Snappy },
    );
    const v = validateLegacyProduce(set);
    expect(v.errorCode).toBe(ErrorCode.NONE);
    expect(v.recordCount).toBe(2);
    expect(v.maxTimestamp).toBe(4);
    expect(decodeRecordBatch(v.converted).compression).toBe(Codec.Snappy);
  });

  it('reports a corrupt or truncated set as CORRUPT_MESSAGE', () => {
    const set = encodeMessageSet([{ offset: 0n, key: null, value: Buffer.from('abc') }], { magic: 0 });
    expect(validateLegacyProduce(set.subarray(0, set.length - 1)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const bad = Buffer.from(set);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    expect(validateLegacyProduce(bad).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
});

describe('findRecordWithoutKey', () => {
  it('finds a null key in plain and compressed batches', () => {
    for (const codec of [Codec.None, Codec.Gzip, Codec.Lz4]) {
      const withKeys = encodeRecordBatch([{ key: Buffer.from('a'), value: null }, { key: Buffer.alloc(0), value: null }], { compression: codec });
      const missing = encodeRecordBatch([{ key: Buffer.from('a'), value: null }, { key: null, value: Buffer.from('x') }], { compression: codec });
      for (const [buf, expected] of [
        [withKeys, false],
        [missing, true],
      ] as const) {
        const v = validateProduceRecords(buf);
        expect(findRecordWithoutKey(buf, v.batches)).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null, missingKey: expected });
      }
    }
  });

  it('reports undecodable records as CORRUPT_MESSAGE', () => {
    const buf = encodeRecordBatch([{ key: Buffer.from('a'), value: null }]);
    const v = validateProduceRecords(buf);
    const broken = Buffer.from(buf);
    broken[61] = 0x7f; // record length far past the end
    expect(findRecordWithoutKey(broken, v.batches).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
});
