import { ProtocolError } from './protocol-error';
import { Reader } from './reader';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const reader = (s: string): Reader => new Reader(hex(s));

/** Runs `f` and returns the ProtocolError kind it throws (fails the test on anything else). */
function kindOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolError) return e.kind;
    throw e;
  }
  throw new Error('expected a ProtocolError');
}

// Known encodings: unsigned LEB128 and zig-zag, as Kafka's ByteUtils writes them.
const UVARINTS: [number, string][] = [
  [0, '00'],
  [1, '01'],
  [127, '7f'],
  [128, '8001'],
  [300, 'ac02'],
  [16383, 'ff7f'],
  [16384, '808001'],
  [2 ** 21 - 1, 'ffff7f'],
  [2 ** 21, '80808001'],
  [2 ** 28 - 1, 'ffffff7f'],
  [2 ** 28, '8080808001'],
  [0xffffffff, 'ffffffff0f'],
];

const VARINTS: [number, string][] = [
  [0, '00'],
  [-1, '01'],
  [1, '02'],
  [-64, '7f'],
  [63, '7e'],
  [64, '8001'],
  [-65, '8101'],
  [2147483647, 'feffffff0f'],
  [-2147483648, 'ffffffff0f'],
];

const VARLONGS: [bigint, string][] = [
  [0n, '00'],
  [-1n, '01'],
  [1n, '02'],
  [64n, '8001'],
  [2147483648n, '8080808010'],
  [9223372036854775807n, 'feffffffffffffffff01'],
  [-9223372036854775808n, 'ffffffffffffffffff01'],
];

describe('Reader varints', () => {
  it.each(UVARINTS)('uvarint %d <- %s', (value, bytes) => {
    const r = reader(bytes);
    expect(r.uvarint()).toBe(value);
    expect(r.remaining).toBe(0);
  });

  it.each(VARINTS)('varint %d <- %s', (value, bytes) => {
    const r = reader(bytes);
    expect(r.varint()).toBe(value);
    expect(r.remaining).toBe(0);
  });

  it.each(VARLONGS)('varlong %s <- %s', (value, bytes) => {
    const r = reader(bytes);
    expect(r.varlong()).toBe(value);
    expect(r.remaining).toBe(0);
  });

  it('rejects overlong varints instead of reading on', () => {
    expect(kindOf(() => reader('808080808000').uvarint())).toBe('invalid-varint');
    expect(kindOf(() => reader('ffffffffff01').varint())).toBe('invalid-varint');
    expect(kindOf(() => reader('80808080808080808080 00').varlong())).toBe('invalid-varint');
  });

  it('rejects a 5-byte varint whose value does not fit 32 bits', () => {
    expect(kindOf(() => reader('ffffffff1f').uvarint())).toBe('invalid-varint');
    expect(kindOf(() => reader('ffffffff7f').varint())).toBe('invalid-varint');
  });

  it('rejects a 10-byte varlong whose value does not fit 64 bits', () => {
    // Otherwise the bigint would be out of int64 range and blow up later in writeBigInt64BE.
    expect(kindOf(() => reader('ffffffffffffffffff7f').varlong())).toBe('invalid-varint');
  });

  it('reports a varint cut short as truncated', () => {
    expect(kindOf(() => reader('80').uvarint())).toBe('truncated');
    expect(kindOf(() => reader('ffff').varlong())).toBe('truncated');
    expect(kindOf(() => reader('').varint())).toBe('truncated');
  });
});

describe('Reader fixed-size values', () => {
  it('reads big-endian integers, floats and uuids', () => {
    const r = reader('ff 8000 ffff 80000000 fffffffffffffffe 3ff0000000000000 0123456789abcdef0123456789abcdef 01 00');
    expect(r.int8()).toBe(-1);
    expect(r.int16()).toBe(-32768);
    expect(r.uint16()).toBe(65535);
    expect(r.int32()).toBe(-2147483648);
    expect(r.int64()).toBe(-2n);
    expect(r.float64()).toBe(1);
    expect(r.uuid()).toBe('01234567-89ab-cdef-0123-456789abcdef');
    expect(r.bool()).toBe(true);
    expect(r.bool()).toBe(false);
    expect(r.remaining).toBe(0);
  });

  it.each([
    ['int8', (r: Reader) => r.int8(), ''],
    ['int16', (r: Reader) => r.int16(), '00'],
    ['int32', (r: Reader) => r.int32(), '000000'],
    ['int64', (r: Reader) => r.int64(), '00000000000000'],
    ['float64', (r: Reader) => r.float64(), '00'],
    ['uuid', (r: Reader) => r.uuid(), '00'.repeat(15)],
  ] as const)('%s past the end is truncated', (_name, read, bytes) => {
    expect(kindOf(() => read(reader(bytes)))).toBe('truncated');
  });

  it('respects an end bound inside a larger buffer', () => {
    const r = new Reader(hex('00000001 00000002'), 0, 6);
    expect(r.int32()).toBe(1);
    expect(r.remaining).toBe(2);
    expect(kindOf(() => r.int32())).toBe('truncated');
  });
});

describe('Reader strings and bytes', () => {
  it('tells classic null from empty', () => {
    expect(reader('ffff').nullableString()).toBeNull();
    expect(reader('0000').nullableString()).toBe('');
    expect(reader('ffffffff').nullableBytes()).toBeNull();
    expect(reader('00000000').nullableBytes()).toEqual(Buffer.alloc(0));
  });

  it('tells compact null (0) from compact empty (1)', () => {
    expect(reader('00').compactNullableString()).toBeNull();
    expect(reader('01').compactNullableString()).toBe('');
    expect(reader('00').compactNullableBytes()).toBeNull();
    expect(reader('01').compactNullableBytes()).toEqual(Buffer.alloc(0));
  });

  it('decodes UTF-8', () => {
    const text = 'żółw 🐢';
    const utf8 = Buffer.from(text, 'utf8');
    const compact = Buffer.concat([Buffer.from([utf8.length + 1]), utf8]);
    expect(new Reader(compact).compactNullableString()).toBe(text);
  });

  it('returns bytes as a slice of the frame, not a copy', () => {
    const frame = hex('00000003 aabbcc');
    const b = new Reader(frame).nullableBytes();
    expect(b).not.toBeNull();
    expect(b!.buffer).toBe(frame.buffer);
    expect(b!.byteOffset).toBe(frame.byteOffset + 4);
  });

  it('rejects lengths below -1 and beyond the bytes left before slicing', () => {
    expect(kindOf(() => reader('fffe').nullableString())).toBe('invalid-length');
    expect(kindOf(() => reader('0003 6162').nullableString())).toBe('invalid-length');
    expect(kindOf(() => reader('7fffffff 00').nullableBytes())).toBe('invalid-length');
    expect(kindOf(() => reader('80000000').nullableBytes())).toBe('invalid-length');
    expect(kindOf(() => reader('05 61').compactNullableString())).toBe('invalid-length');
    expect(kindOf(() => reader('ffffffff07').compactNullableBytes())).toBe('invalid-length');
    expect(kindOf(() => reader('7f').varintBytes())).toBe('invalid-length');
  });

  it('reads varint-length bytes (-1 is null)', () => {
    expect(reader('01').varintBytes()).toBeNull();
    expect(reader('04 abcd').varintBytes()).toEqual(hex('abcd'));
  });

  it('raw and skip check the bytes left', () => {
    expect(kindOf(() => reader('00').raw(2))).toBe('truncated');
    expect(kindOf(() => reader('00').skip(2))).toBe('truncated');
    const r = reader('0102');
    r.skip(1);
    expect(r.raw(1)).toEqual(hex('02'));
  });
});

describe('Reader array lengths', () => {
  it('maps null and empty in both encodings', () => {
    expect(reader('ffffffff').arrayLength(false)).toBe(-1);
    expect(reader('00000000').arrayLength(false)).toBe(0);
    expect(reader('00').arrayLength(true)).toBe(-1);
    expect(reader('01').arrayLength(true)).toBe(0);
  });

  it('bounds a claimed length by the bytes left', () => {
    expect(reader('00000002 0000').arrayLength(false)).toBe(2);
    expect(kindOf(() => reader('00000003 0000').arrayLength(false))).toBe('invalid-length');
    expect(kindOf(() => reader('7fffffff').arrayLength(false))).toBe('invalid-length');
    expect(kindOf(() => reader('fffffffe').arrayLength(false))).toBe('invalid-length');
    expect(kindOf(() => reader('ffffffff0f').arrayLength(true))).toBe('invalid-length');
  });
});
