import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigResourceType, ConfigSource } from '../config';
import { openSingleNode } from './test-support/single-node';

const BROKER = ConfigResourceType.BROKER;

describe('DynamicBrokerConfig', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-dynamic-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('stored configs are applied at start, cleaned of what cannot be dynamic (as Kafka cleans them)', async () => {
    let node = await openSingleNode({ dataDir, properties: { 'num.partitions': '2' } });
    // Written straight to the metadata, past the handlers' checks (an older or foreign writer).
    await node.controller.setConfigs(BROKER, '', { 'log.retention.ms': '7000', 'num.partitions': '9', listeners: 'PLAINTEXT://:1', 'log.segment.bytes': 'big' });
    await node.controller.setConfigs(BROKER, '1', { 'log.retention.ms': '8000', 'custom.plugin.key': 'x' });
    node.close();
    node = await openSingleNode({ dataDir, properties: { 'num.partitions': '2' } });
    try {
      const config = node.dynamicConfig['config'];
      expect([...config.dynamicDefaultLayer.keys()]).toEqual(['log.retention.ms']);
      expect([...config.dynamicBrokerLayer.keys()]).toEqual(['log.retention.ms']);
      expect(config.setting('log.retention.ms')).toEqual({ value: 8000, source: ConfigSource.DYNAMIC_BROKER_CONFIG });
      expect(config.setting('num.partitions')).toEqual({ value: 2, source: ConfigSource.STATIC_BROKER_CONFIG });
      // The metadata keeps what was stored; only its use is cleaned.
      expect(node.metadata.image.brokerConfigs('').get('num.partitions')).toBe('9');
    } finally {
      node.close();
    }
  });

  test('a set that fails as a whole is not applied; the previous values stay', async () => {
    const node = await openSingleNode({ dataDir });
    try {
      await node.controller.setConfigs(BROKER, '', { 'log.retention.ms': '7000' });
      expect(node.dynamicConfig.validate('', new Map([['log.retention.ms', '0']]))?.message).toBe('log.retention.ms must be unlimited (-1) or, greater than or equal to 1');
      await node.controller.setConfigs(BROKER, '', { 'log.retention.ms': '0' });
      expect(node.dynamicConfig['config'].setting('log.retention.ms')?.value).toBe(7000);
    } finally {
      node.close();
    }
  });
});
