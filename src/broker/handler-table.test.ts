import { SERVED_APIS } from '../protocol/apis';
import { ApiVersionsResponse } from '../protocol/messages';
import { Broker } from './broker';
import { ANONYMOUS } from '../security/principal';

describe('handler table', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await Broker.start({ memory: true, port: 0, host: '127.0.0.1' });
  });
  afterAll(() => broker.close());

  test('every API in protocol/apis.ts has a handler, and nothing else is advertised', async () => {
    const { buildHandlerTable } = await import('./handler-table');
    const table = buildHandlerTable(broker.context);
    expect([...table.keys()].sort((a, b) => a - b)).toEqual([...SERVED_APIS.keys()].sort((a, b) => a - b));
    for (const [key, h] of table) expect(h.spec).toBe(SERVED_APIS.get(key));
  });

  test('each handler, loaded on first use, binds to the API the table lists it under', async () => {
    const { HANDLERS, CONSUMER_GROUP_HANDLERS } = await import('./handler-table');
    for (const [spec, bind] of [...HANDLERS, ...CONSUMER_GROUP_HANDLERS]) expect(bind(broker.context).spec).toBe(spec);
  });

  test('ApiVersions lists each served API once with its range, min versions as G1/G2 require', async () => {
    const { buildHandlerTable } = await import('./handler-table');
    const apiVersions = buildHandlerTable(broker.context).get(18)!;
    const res = (await apiVersions.handle({}, { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: null, connectionId: 0, remoteAddress: '', localPort: 0, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', principal: ANONYMOUS, clientSoftwareName: null, clientSoftwareVersion: null, requestBytes: 0, throttle: () => {} })) as ApiVersionsResponse;
    expect(res.errorCode).toBe(0);
    const byKey = new Map(res.apiKeys.map((k) => [k.apiKey, k]));
    expect(byKey.size).toBe(res.apiKeys.length);
    for (const [key, spec] of SERVED_APIS) {
      expect(byKey.get(key)).toEqual({ apiKey: key, minVersion: spec.minVersion, maxVersion: spec.maxVersion });
    }
    // librdkafka feature checks (clients.md G1, G2)
    expect(byKey.get(18)!.minVersion).toBe(0);
    expect(byKey.get(0)!.minVersion).toBe(0);
    expect(byKey.get(1)!.minVersion).toBeLessThanOrEqual(4);
    expect(byKey.get(2)!.minVersion).toBeLessThanOrEqual(1);
  });

  test('group.coordinator.rebalance.protocols without consumer: the KIP-848 APIs are neither served nor advertised', async () => {
    const classicOnly = await Broker.start({ memory: true, port: 0, host: '127.0.0.1', properties: { 'group.coordinator.rebalance.protocols': 'classic' } });
    try {
      const { buildHandlerTable } = await import('./handler-table');
      const table = buildHandlerTable(classicOnly.context);
      expect(table.has(68)).toBe(false);
      expect(table.has(69)).toBe(false);
      const res = (await table.get(18)!.handle({}, { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: null, connectionId: 0, remoteAddress: '', localPort: 0, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', principal: ANONYMOUS, clientSoftwareName: null, clientSoftwareVersion: null, requestBytes: 0, throttle: () => {} })) as ApiVersionsResponse;
      expect(res.apiKeys.some((k) => k.apiKey === 68 || k.apiKey === 69)).toBe(false);
      expect(res.apiKeys.some((k) => k.apiKey === 11)).toBe(true);
    } finally {
      await classicOnly.close();
    }
  });

  test('an ApiVersions request newer than served is answered with UNSUPPORTED_VERSION and the list', async () => {
    const { buildHandlerTable } = await import('./handler-table');
    const apiVersions = buildHandlerTable(broker.context).get(18)!;
    const res = (await apiVersions.handle({}, { apiKey: 18, apiVersion: 99, correlationId: 1, clientId: null, connectionId: 0, remoteAddress: '', localPort: 0, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', principal: ANONYMOUS, clientSoftwareName: null, clientSoftwareVersion: null, requestBytes: 0, throttle: () => {} })) as ApiVersionsResponse;
    expect(res.errorCode).toBe(35);
    expect(res.apiKeys.some((k) => k.apiKey === 18)).toBe(true);
  });
});
