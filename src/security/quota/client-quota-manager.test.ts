import { ChannelThrottle, ClientQuotaManager } from './client-quota-manager';
import { ClientQuotas, DEFAULT_ENTITY as D, type QuotaEntity } from './client-quotas';

describe('client quota precedence (KIP-55, Kafka’s default callback)', () => {
  const levels: [string, QuotaEntity][] = [
    ['user+client', { user: 'alice', clientId: 'app' }],
    ['user+<default> client', { user: 'alice', clientId: D }],
    ['user', { user: 'alice' }],
    ['<default> user+client', { user: D, clientId: 'app' }],
    ['<default> user+<default> client', { user: D, clientId: D }],
    ['<default> user', { user: D }],
    ['client', { clientId: 'app' }],
    ['<default> client', { clientId: D }],
  ];

  test.each(levels.map((l, i) => [i + 1, l[0], i] as const))('level %i (%s) wins over every level below it', (_n, _name, i) => {
    const quotas = new ClientQuotas();
    for (let j = i; j < levels.length; j++) quotas.set(levels[j]![1], 'producer_byte_rate', 1000 * (j + 1));
    const bucket = quotas.bucketFor('producer_byte_rate', 'alice', 'app');
    expect(quotas.limitFor('producer_byte_rate', bucket)).toBe(1000 * (i + 1));
  });

  test('user-only quotas are shared by the user’s clients; client-only ones by the client id’s users', () => {
    const quotas = new ClientQuotas();
    quotas.set({ user: 'alice' }, 'producer_byte_rate', 100);
    expect(quotas.bucketFor('producer_byte_rate', 'alice', 'a')).toEqual(quotas.bucketFor('producer_byte_rate', 'alice', 'b'));
    quotas.set({ clientId: 'app' }, 'consumer_byte_rate', 100);
    expect(quotas.bucketFor('consumer_byte_rate', 'bob', 'app')).toEqual(quotas.bucketFor('consumer_byte_rate', 'carol', 'app'));
    expect(quotas.bucketFor('consumer_byte_rate', 'bob', 'other')).toEqual({ user: '', clientId: 'other' });
    expect(quotas.limitFor('consumer_byte_rate', { user: '', clientId: 'other' })).toBeNull();
  });

  test('removing a quota removes it', () => {
    const quotas = new ClientQuotas();
    quotas.set({ user: 'alice' }, 'request_percentage', 50);
    quotas.set({ user: 'alice' }, 'request_percentage', null);
    expect(quotas.entries()).toEqual([]);
  });
});

describe('throttle time (Kafka’s QuotaUtils.throttleTime over an 11 x 1 s window)', () => {
  test('within quota: no throttle; no quota: never', () => {
    const quotas = new ClientQuotas();
    const m = new ClientQuotaManager('producer_byte_rate', quotas);
    expect(m.recordAndGetThrottleTimeMs('alice', 'app', 1e9, 0)).toBe(0);
    quotas.set({ user: D }, 'producer_byte_rate', 1000);
    expect(m.recordAndGetThrottleTimeMs('bob', 'app', 5000, 0)).toBe(0); // 5000 B over a 10 s minimum window
  });

  test('a first burst is measured over samples-1 full windows: (rate - quota) / quota * window', () => {
    const quotas = new ClientQuotas();
    quotas.set({ user: 'alice' }, 'producer_byte_rate', 1000);
    const m = new ClientQuotaManager('producer_byte_rate', quotas);
    // 22000 B at t=0: rate 22000 / 10 s = 2200 B/s; (2200 - 1000) / 1000 * 10000 ms.
    expect(m.recordAndGetThrottleTimeMs('alice', 'x', 22_000, 0)).toBe(12_000);
  });

  test('request_percentage throttles are capped at one window', () => {
    const quotas = new ClientQuotas();
    quotas.set({ clientId: D }, 'request_percentage', 10);
    const m = new ClientQuotaManager('request_percentage', quotas);
    expect(m.recordAndGetThrottleTimeMs('alice', 'x', 10_000, 0)).toBe(1000);
  });

  test('a producer that honours its throttle times is held within 10% of its quota', () => {
    const quotas = new ClientQuotas();
    quotas.set({ user: 'alice', clientId: 'fast' }, 'producer_byte_rate', 50_000);
    const m = new ClientQuotaManager('producer_byte_rate', quotas);
    const channel = new ChannelThrottle();
    let now = 0;
    let sent = 0;
    // Sends 16 KiB every 10 ms (1.6 MB/s wanted) for 120 s of simulated time.
    while (now < 120_000) {
      now += Math.max(10, channel.remainingMs(now));
      sent += 16_384;
      channel.throttle(m.recordAndGetThrottleTimeMs('alice', 'fast', 16_384, now), now);
    }
    const rate = sent / (now / 1000);
    expect(rate).toBeGreaterThan(45_000);
    expect(rate).toBeLessThan(55_000);
  });

  test('a throttled client does not slow another one down', () => {
    const quotas = new ClientQuotas();
    quotas.set({ clientId: 'slow' }, 'producer_byte_rate', 1000);
    const m = new ClientQuotaManager('producer_byte_rate', quotas);
    expect(m.recordAndGetThrottleTimeMs('alice', 'slow', 1e6, 0)).toBeGreaterThan(0);
    expect(m.recordAndGetThrottleTimeMs('alice', 'other', 1e6, 0)).toBe(0);
  });

  test('channel muting extends to the latest end', () => {
    const c = new ChannelThrottle();
    c.throttle(100, 0);
    c.throttle(50, 10);
    expect(c.remainingMs(20)).toBe(80);
    c.throttle(500, 30);
    expect(c.remainingMs(30)).toBe(500);
    expect(c.remainingMs(1000)).toBe(0);
  });
});
