/**
 * The live-brokers line: logged with the set of brokers Metadata lists
 * (registered, unfenced) when that set changes, and only then.
 */
import { PassThrough } from 'node:stream';
import { createLogger } from '../logger';
import { liveBrokersLog } from './live-brokers-log';
import { MetadataDelta } from './metadata/metadata-delta';
import { MetadataImage } from './metadata/metadata-image';
import type { MetadataRecord } from './metadata/metadata-record';

const INCARNATION = 'AAAAAAAAAAAAAAAAAAAAAA';

function registration(brokerId: number, fenced: boolean): MetadataRecord {
  return {
    type: 'RegisterBrokerRecord',
    data: {
      brokerId,
      isMigratingZkBroker: false,
      incarnationId: INCARNATION,
      brokerEpoch: 1n,
      endPoints: [{ name: 'PLAINTEXT', host: 'h', port: 9000 + brokerId, securityProtocol: 0 }],
      features: [],
      rack: null,
      fenced,
      inControlledShutdown: false,
      logDirs: [],
    },
  };
}

test('logs the brokers Metadata lists each time that set changes, and nothing otherwise', () => {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter((l) => l.length > 0)));
  const publisher = liveBrokersLog(createLogger({ level: 'info', destination: out }));
  let image = MetadataImage.EMPTY;
  const step = (...records: MetadataRecord[]) => {
    const delta = new MetadataDelta(image);
    records.forEach((r, i) => delta.replay(r, image.offset + 1 + i));
    image = delta.apply();
    publisher.onMetadataUpdate(delta, image);
  };
  step(registration(1, false));
  step(registration(2, true)); // registered but fenced: Metadata does not list it
  step(registration(2, false));
  step({ type: 'FeatureLevelRecord', data: { name: 'metadata.version', featureLevel: 21 } });
  step(registration(1, true));
  expect(lines.map((l) => (JSON.parse(l) as { liveBrokers: number[] }).liveBrokers)).toEqual([[1], [1, 2], [2]]);
});
