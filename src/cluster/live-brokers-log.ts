/**
 * One log line each time the set of brokers this broker lists in Metadata
 * (the image's registered, unfenced brokers; live-brokers.ts) changes, with
 * the new set: `{"liveBrokers":[1,2,3]}`. A cluster's broker only: alone,
 * a broker lists itself and nothing else ever changes.
 *
 * For operators it says when this broker learned that another one joined,
 * was fenced or came back. `startCluster` reads it to resolve only once
 * every broker lists all of them (a broker's own banner says only that it
 * is registered, not that the others have learned so yet).
 */
import type { Logger } from '../logger';
import type { MetadataPublisher } from './metadata/metadata-loader';
import type { MetadataImage } from './metadata/metadata-image';

export function liveBrokersLog(log: Logger): MetadataPublisher {
  let last = '';
  return {
    name: 'live brokers log',
    onMetadataUpdate(_delta, image: MetadataImage) {
      const live: number[] = [];
      for (const b of image.brokers.values()) if (!b.fenced) live.push(b.id);
      live.sort((x, y) => x - y);
      const key = live.join(',');
      if (key === last) return;
      last = key;
      log.info({ liveBrokers: live }, 'brokers listed in Metadata changed');
    },
  };
}
