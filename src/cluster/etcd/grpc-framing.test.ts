import { callStatus, EtcdGrpcError, frameMessage, MessageReader } from './grpc-framing';

describe('gRPC framing', () => {
  const messages = [Buffer.from('first'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from('last')];
  const body = Buffer.concat(messages.map(frameMessage));

  it('prefixes a message with a zero flag and its length', () => {
    expect([...frameMessage(Buffer.from('ab'))]).toEqual([0, 0, 0, 0, 2, 0x61, 0x62]);
  });

  it('reads the same messages however the body is cut into chunks', () => {
    for (const size of [1, 3, 5, 6, 1000, 16_384, body.length]) {
      const reader = new MessageReader();
      const out: Buffer[] = [];
      for (let at = 0; at < body.length; at += size) out.push(...reader.push(body.subarray(at, at + size)));
      expect(out).toEqual(messages);
    }
  });

  it('refuses a compressed message', () => {
    expect(() => new MessageReader().push(Buffer.from([1, 0, 0, 0, 1, 0]))).toThrow(/compressed/);
  });

  it("reads a call's status, with etcd's message percent-decoded", () => {
    expect(callStatus({})).toBeNull();
    expect(callStatus({ 'grpc-status': '0' })).toBe('ok');
    const err = callStatus({ 'grpc-status': '5', 'grpc-message': 'etcdserver%3A requested lease not found' });
    expect(err).toBeInstanceOf(EtcdGrpcError);
    expect((err as EtcdGrpcError).message).toBe('etcdserver: requested lease not found');
    expect((err as EtcdGrpcError).code).toBe(5);
    expect((callStatus({ 'grpc-status': '14' }) as Error).message).toMatch(/UNAVAILABLE/);
  });
});
