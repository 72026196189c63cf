/**
 * ApiVersions through a real in-process broker: the finalized feature
 * levels from the metadata image and the supported features, version by
 * version, as Kafka's admin describeFeatures reads them.
 */
import { Broker } from '../broker';
import { RawKafkaClient } from '../../../integration/support/raw-kafka-client';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';

let broker: Broker;
let raw: RawKafkaClient;

beforeAll(async () => {
  broker = await Broker.start({ memory: true, port: 0, host: '127.0.0.1' });
  raw = await RawKafkaClient.connect(broker.host, broker.port);
});

afterAll(async () => {
  raw.close();
  await broker.close();
});

const request = { clientSoftwareName: 'features-test', clientSoftwareVersion: '1.0' };

test('v4: supported metadata.version 21..21 and group.version 0..1; finalized 21 and 1 at the image offset', async () => {
  const res = await raw.request(Apis.ApiVersions, 4, request);
  expect(res.errorCode).toBe(ErrorCode.NONE);
  expect(res.supportedFeatures.map((f) => [f.name, f.minVersion, f.maxVersion])).toEqual([
    ['metadata.version', 21, 21],
    ['group.version', 0, 1],
  ]);
  expect(res.finalizedFeatures.map((f) => [f.name, f.minVersionLevel, f.maxVersionLevel]).sort()).toEqual([
    ['group.version', 1, 1],
    ['metadata.version', 21, 21],
  ]);
  expect(res.finalizedFeaturesEpoch).toBe(BigInt(broker.context.metadata.image.offset));
  // Never transaction.version: level 2 would switch Java 4.x producers to transactions v2 (G19).
  expect([...res.supportedFeatures, ...res.finalizedFeatures].some((f) => f.name === 'transaction.version')).toBe(false);
});

test('v3 leaves out features whose supported minimum is 0 (older clients cannot parse them); v0-2 carry none', async () => {
  const v3 = await raw.request(Apis.ApiVersions, 3, request);
  expect(v3.supportedFeatures.map((f) => f.name)).toEqual(['metadata.version']);
  expect(v3.finalizedFeatures.map((f) => f.name).sort()).toEqual(['group.version', 'metadata.version']);
  for (const v of [0, 1, 2]) {
    const old = await raw.request(Apis.ApiVersions, v, Apis.ApiVersions.request.defaults());
    expect(old.errorCode).toBe(ErrorCode.NONE);
    expect(old.apiKeys.length).toBeGreaterThan(30);
  }
});
