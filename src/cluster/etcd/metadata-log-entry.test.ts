import { EtcdKeys, padOffset, prefixRangeEnd } from './etcd-keys';
import { decodeLogEntry, encodeLogEntry, entrySize, splitIntoEntries } from './metadata-log-entry';

describe('metadata log entries', () => {
  it('round-trip as one Kafka record batch at the given base offset', () => {
    const values = [Buffer.from([1, 2, 3]), Buffer.alloc(0), Buffer.from('x'.repeat(300))];
    const bytes = encodeLogEntry(values, 41, 1_700_000_000_000);
    expect(bytes.readBigInt64BE(0)).toBe(41n); // the batch's base offset
    expect(bytes.readInt8(16)).toBe(2); // magic v2
    expect(bytes.length).toBeLessThanOrEqual(entrySize(values));
    expect(decodeLogEntry(bytes)).toEqual({ baseOffset: 41, lastOffset: 43, values });
  });

  it('refuses a damaged or padded entry instead of applying it', () => {
    const bytes = encodeLogEntry([Buffer.from('record')], 0, 0);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 2]! ^= 0xff;
    expect(() => decodeLogEntry(flipped)).toThrow(/CRC/);
    expect(() => decodeLogEntry(Buffer.concat([bytes, Buffer.alloc(1)]))).toThrow(/holds/);
    expect(() => decodeLogEntry(bytes.subarray(0, bytes.length - 1))).toThrow();
  });

  it('splits values into entries that each fit the limit, in order', () => {
    const values = Array.from({ length: 100 }, (_, i) => Buffer.alloc(100, i));
    const groups = splitIntoEntries(values, 1000);
    expect(groups.flat()).toEqual(values);
    for (const g of groups) expect(entrySize(g)).toBeLessThanOrEqual(1000);
    for (const g of groups) expect(encodeLogEntry(g, 0, 0).length).toBeLessThanOrEqual(1000);
    expect(() => splitIntoEntries([Buffer.alloc(2000)], 1000)).toThrow(/cannot fit/);
  });
});

describe('etcd key layout', () => {
  it('orders offsets numerically in byte order', () => {
    const keys = new EtcdKeys('/weir/');
    expect(keys.root).toBe('/weir');
    const a = keys.metadataLogEntry(9);
    const b = keys.metadataLogEntry(10);
    expect(Buffer.compare(a, b)).toBe(-1);
    expect(keys.baseOffsetOf(b)).toBe(10);
    expect(padOffset(123)).toBe('00000000000000000123');
    expect(() => padOffset(-1)).toThrow();
  });

  it('names the end of a prefix range', () => {
    expect(prefixRangeEnd(Buffer.from('/a/'))).toEqual(Buffer.from('/a0'));
    expect(prefixRangeEnd(Buffer.from([0x61, 0xff]))).toEqual(Buffer.from([0x62]));
    expect(prefixRangeEnd(Buffer.from([0xff]))).toEqual(Buffer.from([0]));
  });

  it('reads node ids back from registration keys only', () => {
    const keys = new EtcdKeys('/w');
    expect(keys.brokerIdOf(keys.broker(7))).toBe(7);
    expect(keys.brokerIdOf(Buffer.from('/w/brokers/x'))).toBeNull();
    expect(keys.brokerIdOf(keys.metadataEnd)).toBeNull();
    expect(() => new EtcdKeys('/')).toThrow();
  });
});
