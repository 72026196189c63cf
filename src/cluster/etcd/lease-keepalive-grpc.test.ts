import type { KeepAliveAnswer, KeepAliveStream } from './lease-keepalive';
import { GrpcLeaseKeepAlive, decodeKeepAliveResponse, encodeKeepAliveRequest } from './lease-keepalive-grpc';
import { useEtcd } from './test-support/etcd-fixture';
import { freePort } from '../../testing/etcd-server';

const fx = useEtcd();

/** The next thing the stream says: an answer, an error, or its end. */
function nextEvent(stream: KeepAliveStream): Promise<{ answer?: KeepAliveAnswer; error?: Error; end?: true }> {
  return new Promise((resolve) => {
    stream.on('data', (answer) => resolve({ answer }));
    stream.on('error', (error) => resolve({ error }));
    stream.on('end', () => resolve({ end: true }));
  });
}

describe('LeaseKeepAlive messages', () => {
  it('encodes the id as field 1, a varint of its 64 bits', () => {
    expect([...encodeKeepAliveRequest('1')]).toEqual([0x08, 0x01]);
    expect([...encodeKeepAliveRequest('300')]).toEqual([0x08, 0xac, 0x02]);
    // etcd's lease ids use all 63 bits: past what a JavaScript number holds exactly.
    const big = '7587882183456223754';
    const encoded = encodeKeepAliveRequest(big);
    expect(encoded).toHaveLength(10);
    // The same varint read back as field 2 of a response.
    expect(decodeKeepAliveResponse(Buffer.concat([Buffer.from([0x10]), encoded.subarray(1)])).ID).toBe(big);
  });

  it('reads the id and the TTL, skipping the response header', () => {
    // header { cluster_id = 1, revision = 5 } as the length-delimited field 1, then ID = 42, TTL = 7.
    const header = Buffer.from([0x08, 0x01, 0x18, 0x05]);
    const message = Buffer.concat([Buffer.from([0x0a, header.length]), header, Buffer.from([0x10, 42, 0x18, 7])]);
    expect(decodeKeepAliveResponse(message)).toEqual({ ID: '42', TTL: '7' });
    expect(decodeKeepAliveResponse(Buffer.from([0x10, 42]))).toEqual({ ID: '42', TTL: '0' });
  });

  it('refuses a response cut short', () => {
    expect(() => decodeKeepAliveResponse(Buffer.from([0x10, 0x80]))).toThrow(/malformed varint/);
    expect(() => decodeKeepAliveResponse(Buffer.from([0x0a, 0x05, 0x01]))).toThrow(/cut short/);
  });
});

describe('GrpcLeaseKeepAlive against a real etcd', () => {
  it('renews a lease, answering with its TTL, and with TTL 0 once the lease is revoked', async () => {
    const client = fx.client();
    const { ID } = await client.leaseClient.leaseGrant({ TTL: 7 });
    const stream = await new GrpcLeaseKeepAlive(fx.etcd.endpoints).open();
    fx.defer(() => stream.cancel());
    const answered = nextEvent(stream);
    stream.write({ ID });
    expect(await answered).toEqual({ answer: { ID, TTL: '7' } });

    // A second renewal on the same call.
    const again = nextEvent(stream);
    stream.write({ ID });
    expect(await again).toEqual({ answer: { ID, TTL: '7' } });

    await client.leaseClient.leaseRevoke({ ID });
    const gone = nextEvent(stream);
    stream.write({ ID });
    expect((await gone).answer?.TTL).toBe('0');
  });

  it('reports an endpoint it cannot reach as an error, and opens the next stream on the next endpoint', async () => {
    const client = fx.client();
    const { ID } = await client.leaseClient.leaseGrant({ TTL: 7 });
    const keepAlive = new GrpcLeaseKeepAlive([`http://127.0.0.1:${await freePort()}`, ...fx.etcd.endpoints]);

    const refused = await keepAlive.open();
    fx.defer(() => refused.cancel());
    const failed = nextEvent(refused);
    refused.write({ ID });
    expect((await failed).error?.message).toMatch(/ECONNREFUSED/);

    const next = await keepAlive.open();
    fx.defer(() => next.cancel());
    const answered = nextEvent(next);
    next.write({ ID });
    expect(await answered).toEqual({ answer: { ID, TTL: '7' } });
  });

  it('says nothing more once cancelled', async () => {
    const client = fx.client();
    const { ID } = await client.leaseClient.leaseGrant({ TTL: 7 });
    const stream = await new GrpcLeaseKeepAlive(fx.etcd.endpoints).open();
    const events: string[] = [];
    stream.on('data', () => events.push('data'));
    stream.on('error', () => events.push('error'));
    stream.on('end', () => events.push('end'));
    stream.write({ ID });
    stream.cancel();
    stream.write({ ID });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toEqual([]);
  });
});
