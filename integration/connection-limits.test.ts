/**
 * Connection limits on a broker process, driven over TCP: a client over
 * max.connections.per.ip is closed while the others are served; over
 * max.connections a connection is held until another closes; both limits
 * change at runtime as dynamic broker configs.
 */
import * as fs from 'node:fs';
import { type BrokerProcess, startBrokerProcess } from './support/broker-process';
import { RawKafkaClient, requestBody } from './support/raw-kafka-client';
import { Apis } from '../src/protocol/apis';
import { ErrorCode } from '../src/protocol/errors';
import { ConfigResourceType } from '../src/config';

let broker: BrokerProcess | undefined;
const open: RawKafkaClient[] = [];

afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  await broker?.stop();
  if (broker) fs.rmSync(broker.dataDir, { recursive: true, force: true });
  broker = undefined;
});

async function connect(b: BrokerProcess): Promise<RawKafkaClient> {
  const c = await RawKafkaClient.connect(b.host, b.port);
  open.push(c);
  return c;
}

async function apiVersions(c: RawKafkaClient): Promise<number> {
  return (await c.request(Apis.ApiVersions, 3, requestBody(Apis.ApiVersions, { clientSoftwareName: 'limits-test', clientSoftwareVersion: '1' }))).errorCode;
}

async function setClusterDefault(c: RawKafkaClient, name: string, value: string): Promise<number> {
  const res = await c.request(
    Apis.IncrementalAlterConfigs,
    1,
    requestBody(Apis.IncrementalAlterConfigs, { resources: [{ resourceType: ConfigResourceType.BROKER, resourceName: '', configs: [{ name, configOperation: 0, value }] }] }),
  );
  return res.responses[0]?.errorCode ?? -1;
}

test('max.connections.per.ip: the connection over the limit is closed, the others served; raising it lets the next one in', async () => {
  const b = (broker = await startBrokerProcess({ memory: true, config: { 'max.connections.per.ip': 2 } }));
  const first = await connect(b);
  const second = await connect(b);
  expect(await apiVersions(first)).toBe(ErrorCode.NONE);
  const third = await connect(b);
  expect(await third.waitClosed()).toBe(true);
  expect(b.output()).toContain('too many connections from this address');
  expect(await apiVersions(second)).toBe(ErrorCode.NONE);

  expect(await setClusterDefault(first, 'max.connections.per.ip', '3')).toBe(ErrorCode.NONE);
  // The publisher applies the record right after the commit the answer waited for.
  const fourth = await connect(b);
  expect(await apiVersions(fourth)).toBe(ErrorCode.NONE);
  expect(await setClusterDefault(first, 'max.connections.per.ip.overrides', 'not-a-pair')).toBe(ErrorCode.INVALID_REQUEST); // Kafka's validateBrokerConfigChange
}, 60_000);

test('max.connections: a connection over the limit is held, unanswered, until another closes', async () => {
  const b = (broker = await startBrokerProcess({ memory: true, config: { 'max.connections': 2 } }));
  const first = await connect(b);
  const second = await connect(b);
  expect(await apiVersions(first)).toBe(ErrorCode.NONE);
  expect(await apiVersions(second)).toBe(ErrorCode.NONE);
  const third = await connect(b);
  const answered = apiVersions(third);
  let early = false;
  void answered.then(() => (early = true));
  // Not answered while both others are open (a slow machine can only make this pass, never fail).
  await new Promise((r) => setTimeout(r, 500));
  expect(early).toBe(false);
  expect(third.closed).toBe(false);
  first.close();
  expect(await answered).toBe(ErrorCode.NONE);
  expect(await apiVersions(second)).toBe(ErrorCode.NONE);
}, 60_000);
