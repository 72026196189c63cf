import { ProtocolError } from './protocol-error';
import { FileRegion } from './records-value';
import { Size, Writer, uvarintSize, varintSize, varlongSize } from './writer';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Writes with a Writer sized exactly for `n` bytes and returns the finished buffer. */
function written(n: number, f: (w: Writer) => void): Buffer {
  const w = new Writer(n);
  f(w);
  const chunks = w.finish();
  expect(chunks).toHaveLength(1);
  return chunks[0] as Buffer;
}

const UVARINTS: [number, string][] = [
  [0, '00'], [127, '7f'], [128, '8001'], [16383, 'ff7f'], [16384, '808001'],
  [2 ** 21 - 1, 'ffff7f'], [2 ** 21, '80808001'], [2 ** 28 - 1, 'ffffff7f'], [2 ** 28, '8080808001'],
  [0x7fffffff, 'ffffffff07'], [0xffffffff, 'ffffffff0f'],
];
const VARINTS: [number, string][] = [
  [0, '00'], [-1, '01'], [1, '02'], [-64, '7f'], [64, '8001'],
  [2147483647, 'feffffff0f'], [-2147483648, 'ffffffff0f'],
];
const VARLONGS: [bigint, string][] = [
  [0n, '00'], [-1n, '01'], [1n, '02'], [-65n, '8101'],
  [9223372036854775807n, 'feffffffffffffffff01'], [-9223372036854775808n, 'ffffffffffffffffff01'],
];

describe('Writer varints', () => {
  it.each(UVARINTS)('uvarint %d -> %s, size agrees', (value, bytes) => {
    expect(uvarintSize(value)).toBe(bytes.length / 2);
    expect(written(bytes.length / 2, (w) => w.uvarint(value)).toString('hex')).toBe(bytes);
  });

  it.each(VARINTS)('varint %d -> %s, size agrees', (value, bytes) => {
    expect(varintSize(value)).toBe(bytes.length / 2);
    expect(written(bytes.length / 2, (w) => w.varint(value)).toString('hex')).toBe(bytes);
  });

  it.each(VARLONGS)('varlong %s -> %s, size agrees', (value, bytes) => {
    expect(varlongSize(value)).toBe(bytes.length / 2);
    expect(written(bytes.length / 2, (w) => w.varlong(value)).toString('hex')).toBe(bytes);
  });
});

describe('Writer fixed-size values', () => {
  it('writes big-endian integers, floats and uuids', () => {
    const out = written(1 + 2 + 2 + 4 + 4 + 8 + 8 + 16 + 1, (w) => {
      w.int8(-1);
      w.int16(-32768);
      w.uint16(65535);
      w.int32(-2147483648);
      w.uint32(0xffffffff);
      w.int64(-2n);
      w.float64(1);
      w.uuid('01234567-89AB-cdef-0123-456789abcdef');
      w.bool(true);
    });
    expect(out).toEqual(
      hex('ff 8000 ffff 80000000 ffffffff fffffffffffffffe 3ff0000000000000 0123456789abcdef0123456789abcdef 01'),
    );
  });

  it('refuses a malformed uuid', () => {
    const w = new Writer(16);
    expect(() => w.uuid('not-a-uuid')).toThrow(ProtocolError);
    expect(() => w.uuid('0123456789abcdef0123456789abcde')).toThrow(ProtocolError);
  });
});

describe('Writer.finish', () => {
  const region: FileRegion = { kind: 'file', fd: 7, position: 4096, length: 100, release: () => {} };

  it('returns the one buffer when there are no records', () => {
    const w = new Writer(4);
    w.int32(1);
    const chunks = w.finish();
    expect(chunks).toEqual([hex('00000001')]);
    expect(chunks[0]).toBe(w.buf);
  });

  it('passes record buffers and file regions through by identity, in order', () => {
    const payload = Buffer.from('record bytes');
    const s = new Size();
    s.inline = 4 + 4 + 2;
    s.external = payload.length + region.length;
    const w = new Writer(s);
    w.int32(payload.length);
    w.records(payload);
    w.int32(region.length);
    w.records(region);
    w.int16(9);
    const chunks = w.finish();
    expect(chunks).toHaveLength(5);
    expect(chunks[0]).toEqual(hex('0000000c'));
    expect(chunks[1]).toBe(payload);
    expect(chunks[2]).toEqual(hex('00000064'));
    expect(chunks[3]).toBe(region);
    expect(chunks[4]).toEqual(hex('0009'));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    expect(total).toBe(s.total);
  });

  it('passes a chunk list through and drops empty chunks', () => {
    const a = Buffer.from('ab');
    const w = new Writer(1);
    w.records([a, Buffer.alloc(0), region]);
    w.int8(0);
    const chunks = w.finish();
    expect(chunks).toHaveLength(3);
    expect(chunks[0]).toBe(a);
    expect(chunks[1]).toBe(region);
    expect(chunks[2]).toEqual(hex('00'));
  });

  it('emits no empty slices around records at the start or end', () => {
    const a = Buffer.from('xyz');
    const w = new Writer(0);
    w.records(a);
    expect(w.finish()).toEqual([a]);
  });

  it('emits nothing for empty records', () => {
    const w = new Writer(1);
    w.records(Buffer.alloc(0));
    w.int8(5);
    expect(w.finish()).toEqual([hex('05')]);
  });

  it('throws when the computed size and the bytes written disagree', () => {
    const w = new Writer(5);
    w.int32(1);
    try {
      w.finish();
      throw new Error('finish accepted a short message');
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).kind).toBe('unencodable');
    }
  });
});
