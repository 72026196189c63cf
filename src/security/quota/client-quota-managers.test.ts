import { clientQuotaAlteration, type QuotaAlteration } from '../../cluster/client-quota-control';
import { MetadataDelta } from '../../cluster/metadata/metadata-delta';
import { MetadataImage } from '../../cluster/metadata/metadata-image';
import { MetadataLoader } from '../../cluster/metadata/metadata-loader';
import { ClientQuotaManagers } from './client-quota-managers';

/** A loader with the managers installed, and a way to commit quota changes into it. */
function setUp() {
  const loader = new MetadataLoader();
  const managers = new ClientQuotaManagers({ samples: 2, windowMs: 1000 });
  loader.install(managers);
  let offset = -1;
  const alter = (...alterations: QuotaAlteration[]) => {
    const { records } = clientQuotaAlteration(loader.image, alterations);
    offset += records.length;
    loader.handleCommitted({ lastOffset: offset, records });
  };
  return { loader, managers, alter };
}

const quota = (entity: [string, string | null][], key: string, value: number | null): QuotaAlteration => ({
  entity: entity.map(([entityType, entityName]) => ({ entityType, entityName })),
  ops: [{ key, value: value ?? 0, remove: value === null }],
});

describe('ClientQuotaManagers: the quota engine follows the metadata image', () => {
  test('nothing is measured or throttled while no quota is set', () => {
    const { managers } = setUp();
    expect(managers.produce.enabled).toBe(false);
    expect(managers.recordProduced('alice', 'app', 10_000_000, 1_000)).toBe(0);
  });

  test('a quota set in the image throttles, the most specific entity winning; removing it stops throttling', () => {
    const { managers, alter } = setUp();
    alter(quota([['user', null]], 'producer_byte_rate', 1_000_000), quota([['user', 'alice']], 'producer_byte_rate', 1000));
    // alice: 2000 bytes in the 1 s minimum window against 1000/s: one window over, throttled for 1 s.
    expect(managers.recordProduced('alice', 'app', 2000, 10_000)).toBe(1000);
    // bob falls to the default user's 1 MB/s.
    expect(managers.recordProduced('bob', 'app', 2000, 10_000)).toBe(0);
    alter(quota([['user', 'alice']], 'producer_byte_rate', null));
    expect(managers.recordProduced('alice', 'app', 2000, 10_001)).toBe(0);
  });

  test('request_percentage counts handling time as a percentage of one thread', () => {
    const { managers, alter } = setUp();
    alter(quota([['client-id', 'busy']], 'request_percentage', 10));
    // 200 ms of handling in a 1 s window is 20% against 10%: throttled one window (request throttles are capped at one window).
    expect(managers.recordRequestTime('u', 'busy', 200e6, 5_000)).toBe(1000);
    expect(managers.recordRequestTime('u', 'idle', 200e6, 5_000)).toBe(0);
  });

  test('a publisher installed after quotas exist starts with them; ip quotas are not user/client quotas', () => {
    const { loader, alter } = setUp();
    alter(quota([['client-id', 'x']], 'consumer_byte_rate', 10), quota([['ip', '10.0.0.1']], 'connection_creation_rate', 5));
    const late = new ClientQuotaManagers({ samples: 2, windowMs: 1000 });
    loader.install(late);
    expect(late.fetch.enabled).toBe(true);
    expect(late.fetch.maxValueInQuotaWindow('u', 'x')).toBe(10);
    expect(late.fetch.maxValueInQuotaWindow('u', 'y')).toBe(Infinity);
    expect(new MetadataDelta(MetadataImage.EMPTY).clientQuotas.changed).toBe(false);
  });
});
