import {
  Reader, Size, Writer, bytesSize, readTaggedFields, recordsSize, stringSize,
  unknownTaggedFieldsSize, writeArrayLength, writeBytes, writeRecords, writeString, writeTaggedFields,
} from './codec-support';
import { ProtocolError } from './protocol-error';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function encode(size: number, f: (w: Writer) => void): string {
  const w = new Writer(size);
  f(w);
  return Buffer.concat(w.finish().map((c) => c as Buffer)).toString('hex');
}

describe('strings, bytes and arrays: null vs empty', () => {
  it.each([
    [null, false, 'ffff'],
    ['', false, '0000'],
    ['a', false, '000161'],
    [null, true, '00'],
    ['', true, '01'],
    ['a', true, '0261'],
  ] as const)('string %j flexible=%s -> %s', (value, flex, bytes) => {
    expect(stringSize(value, flex)).toBe(bytes.length / 2);
    expect(encode(bytes.length / 2, (w) => writeString(w, value, flex))).toBe(bytes);
  });

  it('sizes a compact string by UTF-8 bytes, with a 2-byte length from 127 bytes', () => {
    const s = 'é'.repeat(63); // 126 bytes -> length+1 = 127: one byte
    expect(stringSize(s, true)).toBe(1 + 126);
    expect(stringSize(s + 'a', true)).toBe(2 + 127);
  });

  it('refuses a classic string over 32767 bytes', () => {
    const s = 'x'.repeat(0x8000);
    expect(() => encode(stringSize(s, false), (w) => writeString(w, s, false))).toThrow(ProtocolError);
  });

  it.each([
    [null, false, 'ffffffff'],
    [Buffer.alloc(0), false, '00000000'],
    [null, true, '00'],
    [Buffer.alloc(0), true, '01'],
    [hex('ab'), true, '02ab'],
  ] as const)('bytes %j flexible=%s -> %s', (value, flex, bytes) => {
    expect(bytesSize(value, flex)).toBe(bytes.length / 2);
    expect(encode(bytes.length / 2, (w) => writeBytes(w, value, flex))).toBe(bytes);
  });

  it.each([
    [-1, false, 'ffffffff'],
    [0, false, '00000000'],
    [-1, true, '00'],
    [0, true, '01'],
    [127, true, '8001'],
  ] as const)('array length %d flexible=%s -> %s', (n, flex, bytes) => {
    expect(encode(bytes.length / 2, (w) => writeArrayLength(w, n, flex))).toBe(bytes);
  });

  it('sizes records as inline length plus external payload', () => {
    const s = new Size();
    recordsSize([Buffer.alloc(3), { kind: 'file', fd: 1, position: 0, length: 200, release: () => {} }], true, s);
    expect(s.inline).toBe(2); // uvarint(204)
    expect(s.external).toBe(203);
    const n = new Size();
    recordsSize(null, false, n);
    expect(n.total).toBe(4);
    expect(encode(1, (w) => writeRecords(w, null, true))).toBe('00');
  });
});

describe('tagged-field sections', () => {
  it('merges known and unknown tags in ascending order', () => {
    const unknown = [{ tag: 0, data: hex('aa') }, { tag: 5, data: hex('bbcc') }];
    const known = [{ tag: 3, size: (s: Size) => void (s.inline += 1), write: (w: Writer) => w.int8(7) }];
    const size = unknownTaggedFieldsSize(unknown, 1, 1 + 1 + 1);
    expect(encode(size, (w) => writeTaggedFields(w, unknown, known))).toBe('03' + '0001aa' + '030107' + '0502bbcc');
  });

  it('keeps unknown tags as slices and hands known ones to the reader', () => {
    const r = new Reader(hex('02 0001aa 030107'));
    let seen = -1;
    const unknown = readTaggedFields(r, (tag, sub) => {
      if (tag !== 3) return false;
      seen = sub.int8();
      return true;
    });
    expect(seen).toBe(7);
    expect(unknown).toEqual([{ tag: 0, data: hex('aa') }]);
    expect(r.remaining).toBe(0);
  });

  it('rejects tags out of order, oversize fields, leftover bytes and absurd counts', () => {
    const kind = (bytes: string, known?: (tag: number, r: Reader) => boolean): string => {
      try {
        readTaggedFields(new Reader(hex(bytes)), known);
      } catch (e) {
        if (e instanceof ProtocolError) return e.kind;
        throw e;
      }
      return 'ok';
    };
    expect(kind('02 0100 0000')).toBe('invalid-value');
    expect(kind('02 0100 0100')).toBe('invalid-value');
    expect(kind('01 0005 00')).toBe('invalid-length');
    expect(kind('01 00020000', () => true)).toBe('invalid-length');
    expect(kind('ffffffff07')).toBe('invalid-length');
    expect(kind('01 00')).toBe('truncated');
  });
});
