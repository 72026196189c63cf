import { decodeMessage, encodeMessage, type MessageSchema } from './etcd-protobuf';
import {
  CompareResult,
  CompareTarget,
  FilterType,
  type IRangeResponse,
  type ITxnResponse,
  type IWatchResponse,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  WatchRequest,
  WatchResponse,
} from './etcd-messages';

const Inner: MessageSchema = { n: { no: 1, type: 'int64' }, b: { no: 2, type: 'bytes' } };
const Outer: MessageSchema = {
  signed: { no: 1, type: 'int64' },
  unsigned: { no: 2, type: 'uint64' },
  flag: { no: 3, type: 'bool' },
  data: { no: 4, type: 'bytes' },
  text: { no: 5, type: 'string' },
  kind: { no: 6, type: 'enum', names: ['Zero', 'One', 'Two'] },
  inner: { no: 7, type: Inner },
  inners: { no: 8, type: Inner, repeated: true },
  codes: { no: 9, type: 'enum', repeated: true },
  blobs: { no: 10, type: 'bytes', repeated: true },
};

describe('etcd protobuf codec', () => {
  it('round-trips every field type, int64s beyond 2^53, negative and zero', () => {
    const message = {
      signed: '-9223372036854775808',
      unsigned: '18446744073709551615',
      flag: true,
      data: Buffer.from([0, 1, 2, 255]),
      text: 'etcdserver: ü',
      kind: 'Two',
      inner: { n: '9007199254740993', b: Buffer.from('x') },
      inners: [
        { n: '0', b: Buffer.alloc(0) },
        { n: '-1', b: Buffer.from('y') },
      ],
      codes: [1, 0, 300],
      blobs: [Buffer.from('a'), Buffer.alloc(0)],
    };
    expect(decodeMessage(Outer, encodeMessage(Outer, message))).toEqual(message);
  });

  it('writes the bytes protoc would', () => {
    // int64 -1: ten bytes of two's complement; 150: 0x96 0x01 (the protobuf docs' example).
    expect([...encodeMessage(Inner, { n: -1 })]).toEqual([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect([...encodeMessage(Inner, { n: 150 })]).toEqual([0x08, 0x96, 0x01]);
    // A zero that is given is written (a oneof's member); one left out is not.
    expect([...encodeMessage(Inner, { n: '0' })]).toEqual([0x08, 0x00]);
    expect([...encodeMessage(Inner, { n: undefined })]).toEqual([]);
    // Repeated enums are packed: one length-delimited field.
    expect([...encodeMessage(Outer, { codes: [1, 2] })]).toEqual([0x4a, 0x02, 0x01, 0x02]);
    expect([...encodeMessage(Outer, { data: 'ab' })]).toEqual([0x22, 0x02, 0x61, 0x62]);
  });

  it("fills in proto3's defaults for fields left out, leaving absent messages undefined", () => {
    expect(decodeMessage(Outer, Buffer.alloc(0))).toEqual({
      signed: '0',
      unsigned: '0',
      flag: false,
      data: Buffer.alloc(0),
      text: '',
      kind: 'Zero',
      inners: [],
      codes: [],
      blobs: [],
    });
  });

  it('reads repeated scalars whether packed or not', () => {
    // codes = 1, then codes = 2 unpacked (field 9, wire type 0), then a packed run of 3.
    expect(decodeMessage<{ codes: number[] }>(Outer, Buffer.from([0x48, 0x01, 0x48, 0x02, 0x4a, 0x01, 0x03])).codes).toEqual([1, 2, 3]);
  });

  it('skips fields it does not know, of every wire type', () => {
    const unknown = Buffer.from([
      0xf8, 0x01, 0x96, 0x01, // field 31, varint 150
      0xf9, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, // field 31, fixed64
      0xfa, 0x01, 0x03, 9, 9, 9, // field 31, length-delimited
      0xfd, 0x01, 1, 2, 3, 4, // field 31, fixed32
    ]);
    const known = encodeMessage(Inner, { n: '42' });
    expect(decodeMessage(Inner, Buffer.concat([unknown, known, unknown]))).toEqual({ n: '42', b: Buffer.alloc(0) });
  });

  it('refuses input cut short or malformed', () => {
    // Cut anywhere inside one field (a cut between fields leaves a valid, shorter message).
    const whole = encodeMessage(Outer, { inner: { n: '-5', b: 'abc' } });
    for (let cut = 1; cut < whole.length; cut++) {
      expect(() => decodeMessage(Outer, whole.subarray(0, cut))).toThrow(/cut short|malformed/);
    }
    // A varint longer than ten bytes.
    expect(() => decodeMessage(Inner, Buffer.from([0x08, ...new Array(11).fill(0xff), 0x01]))).toThrow(/malformed varint/);
    // Wire types 3 and 4 (groups) and 6, 7 do not exist in proto3.
    expect(() => decodeMessage(Inner, Buffer.from([0x0b]))).toThrow(/wire type 3/);
    // A bytes field sent as a varint.
    expect(() => decodeMessage(Inner, Buffer.from([0x10, 0x01]))).toThrow(/varint where bytes/);
  });

  it('refuses to encode a field the schema does not have, or a value not of the enum', () => {
    expect(() => encodeMessage(Inner, { nn: 1 })).toThrow(/no field nn/);
    expect(() => encodeMessage(Outer, { kind: 'Three' })).toThrow(/not a value of this enum/);
  });
});

describe("etcd's messages", () => {
  it('encodes a transaction as etcd expects it', () => {
    const txn = {
      compare: [{ key: 'k', target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: '0' }],
      success: [{ request_put: { key: Buffer.from('k'), value: Buffer.from('v'), lease: '7587882183456223754' } }],
      failure: [{ request_range: { key: 'k' } }],
    };
    const bytes = encodeMessage(TxnRequest, txn);
    // compare (field 1): result 0, target 2, key "k", mod_revision 0 (sent, though zero).
    expect([...bytes.subarray(0, 11)]).toEqual([0x0a, 9, 0x08, 0, 0x10, 2, 0x1a, 1, 0x6b, 0x30, 0]);
    const back = decodeMessage<{ success: { request_put: { lease: string } }[] }>(TxnRequest, bytes);
    expect(back.success[0]?.request_put.lease).toBe('7587882183456223754');
  });

  it("reads a range and a transaction's responses in the etcd3 client's shapes", () => {
    const kv = { key: Buffer.from('a'), create_revision: '2', mod_revision: '3', version: '1', value: Buffer.from('v'), lease: '0' };
    const header = { cluster_id: '14841639068965178418', member_id: '10276657743932975437', revision: '3', raft_term: '2' };
    const range = decodeMessage<IRangeResponse>(RangeResponse, encodeMessage(RangeResponse, { header, kvs: [kv], more: true, count: 5 }));
    expect(range).toEqual({ header, kvs: [kv], more: true, count: '5' });
    const txn = decodeMessage<ITxnResponse>(TxnResponse, encodeMessage(TxnResponse, { header, succeeded: false, responses: [{ response_range: { header, kvs: [kv] } }] }));
    expect(txn.succeeded).toBe(false);
    expect(txn.responses[0]?.response_range?.kvs).toEqual([kv]);
    expect(txn.responses[0]?.response_put).toBeUndefined();
  });

  it("reads a watch's events with their types by name", () => {
    const kv = { key: Buffer.from('a'), create_revision: '2', mod_revision: '9', version: '1', value: Buffer.alloc(0), lease: '0' };
    const res = decodeMessage<IWatchResponse>(
      WatchResponse,
      encodeMessage(WatchResponse, { watch_id: 0, events: [{ kv }, { type: 'Delete', kv }], compact_revision: 0 }),
    );
    expect(res.events.map((e) => e.type)).toEqual(['Put', 'Delete']);
    expect(res.events[0]?.prev_kv).toBeUndefined();
    expect(res.created).toBe(false);
    expect([...encodeMessage(WatchRequest, { create_request: { key: 'a', filters: [FilterType.Nodelete] } })]).toEqual([0x0a, 6, 0x0a, 1, 0x61, 0x2a, 1, 1]);
  });
});
