import { parsePerIpOverrides } from '../config';
import { ConnectionQuotas, type ConnectionLimitSettings } from './connection-quotas';

const limits = (o: Partial<ConnectionLimitSettings> = {}): ConnectionLimitSettings => ({
  maxConnections: 100,
  maxConnectionsPerIp: 100,
  perIpOverrides: new Map(),
  ...o,
});

describe('ConnectionQuotas', () => {
  test('max.connections.per.ip refuses the connection over the limit; an override and IPv4-mapped addresses count as Kafka counts them', () => {
    const q = new ConnectionQuotas(limits({ maxConnectionsPerIp: 2, perIpOverrides: parsePerIpOverrides('10.0.0.9:0, localhost:3') }));
    const admit = (ip: string) => q.admit(ip, () => {}).admission;
    expect(admit('10.0.0.1')).toBe('admitted');
    expect(admit('::ffff:10.0.0.1')).toBe('admitted'); // the same client on a dual-stack socket
    expect(admit('10.0.0.1')).toBe('refused');
    expect(admit('10.0.0.2')).toBe('admitted');
    expect(admit('10.0.0.9')).toBe('refused');
    expect(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1'].map(admit)).toEqual(['admitted', 'admitted', 'admitted', 'refused']);
    q.release('10.0.0.1');
    expect(admit('10.0.0.1')).toBe('admitted');
    expect(q.openConnections).toBe(6);
  });

  test('over max.connections a connection waits, in arrival order, for one to close; one that goes first leaves the queue', () => {
    const q = new ConnectionQuotas(limits({ maxConnections: 2 }));
    const served: string[] = [];
    const admit = (name: string, ip = '10.0.0.1') => q.admit(ip, () => served.push(name));
    expect(admit('a').admission).toBe('admitted');
    expect(admit('b').admission).toBe('admitted');
    const c = admit('c');
    const d = admit('d', '10.0.0.2');
    const e = admit('e');
    expect([c.admission, d.admission, e.admission]).toEqual(['queued', 'queued', 'queued']);
    d.cancel(); // its client gave up
    q.release('10.0.0.1');
    expect(served).toEqual(['c']);
    q.release('10.0.0.1');
    expect(served).toEqual(['c', 'e']);
    expect(q.openConnections).toBe(2);
  });

  test('queued connections count against their address, and a raised limit serves them at once', () => {
    const q = new ConnectionQuotas(limits({ maxConnections: 1, maxConnectionsPerIp: 2 }));
    const served: number[] = [];
    expect(q.admit('10.0.0.1', () => served.push(1)).admission).toBe('admitted');
    expect(q.admit('10.0.0.1', () => served.push(2)).admission).toBe('queued');
    expect(q.admit('10.0.0.1', () => served.push(3)).admission).toBe('refused');
    q.reconfigure(limits({ maxConnections: 5, maxConnectionsPerIp: 2 }));
    expect(served).toEqual([2]);
  });

  test('the overrides parse as Kafka writes them, and bad entries are refused', () => {
    expect(parsePerIpOverrides('')).toEqual(new Map());
    expect(parsePerIpOverrides('192.168.1.1:5,[::1]:7, fe80::1:9')).toEqual(
      new Map([
        ['192.168.1.1', 5],
        ['::1', 7],
        ['fe80::1', 9],
      ]),
    );
    expect(() => parsePerIpOverrides('host')).toThrow(/not host:limit/);
    expect(() => parsePerIpOverrides('10.0.0.1:x')).toThrow(/not host:limit/);
    expect(() => parsePerIpOverrides(':5')).toThrow(/not host:limit/);
  });
});
