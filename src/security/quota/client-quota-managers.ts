/**
 * The broker's client quota managers (Kafka's QuotaFactory.QuotaManagers):
 * produce bytes, fetch bytes and request time, sharing one set of quota
 * settings that follows the metadata image. As a metadata publisher it
 * loads the user / client-id quotas of every image whose quotas changed
 * (ip quotas, connection_creation_rate, are stored but not enforced).
 *
 * Each `record…` call adds a request's amount to its bucket and returns the
 * throttle time in ms (0 when within quota, or when no quota of that type
 * is set at all: then nothing is recorded, as Kafka skips the sensors).
 * The user is the principal's name (ANONYMOUS on a listener without
 * authentication), as Kafka's default quota callback takes it.
 */
import type { MetadataDelta } from '../../cluster/metadata/metadata-delta';
import type { MetadataImage } from '../../cluster/metadata/metadata-image';
import type { MetadataPublisher } from '../../cluster/metadata/metadata-loader';
import { ClientQuotaManager, type QuotaWindow } from './client-quota-manager';
import { ClientQuotas, DEFAULT_ENTITY, type EntityName, type QuotaEntity, type QuotaType, QUOTA_TYPES } from './client-quotas';

/** Kafka's nanosToPercentage: request time as a percentage of one thread over one second. */
const NANOS_TO_PERCENTAGE = 100 / 1e9;

export class ClientQuotaManagers implements MetadataPublisher {
  readonly name = 'client quotas';
  private readonly quotas = new ClientQuotas();
  readonly produce: ClientQuotaManager;
  readonly fetch: ClientQuotaManager;
  readonly request: ClientQuotaManager;

  constructor(window: QuotaWindow) {
    this.produce = new ClientQuotaManager('producer_byte_rate', this.quotas, window);
    this.fetch = new ClientQuotaManager('consumer_byte_rate', this.quotas, window);
    this.request = new ClientQuotaManager('request_percentage', this.quotas, window);
  }

  onMetadataUpdate(delta: MetadataDelta, image: MetadataImage): void {
    if (!delta.clientQuotas.changed) return;
    const loaded: { entity: QuotaEntity; type: QuotaType; value: number }[] = [];
    for (const { entity: parts, values } of image.clientQuotas.values()) {
      const entity: QuotaEntity = {};
      let other = false;
      for (const [type, name] of parts) {
        const n: EntityName = name === null ? DEFAULT_ENTITY : name;
        if (type === 'user') entity.user = n;
        else if (type === 'client-id') entity.clientId = n;
        else other = true;
      }
      if (other) continue;
      for (const [key, value] of values) if ((QUOTA_TYPES as readonly string[]).includes(key)) loaded.push({ entity, type: key as QuotaType, value });
    }
    this.quotas.load(loaded);
  }

  /** Records a request's handling time (request_percentage); the throttle time in ms. */
  recordRequestTime(user: string, clientId: string, nanos: number, nowMs: number): number {
    if (!this.request.enabled) return 0;
    return this.request.recordAndGetThrottleTimeMs(user, clientId, nanos * NANOS_TO_PERCENTAGE, nowMs);
  }

  /** Records a produce request's size in bytes (producer_byte_rate); the throttle time in ms. */
  recordProduced(user: string, clientId: string, bytes: number, nowMs: number): number {
    if (!this.produce.enabled) return 0;
    return this.produce.recordAndGetThrottleTimeMs(user, clientId, bytes, nowMs);
  }

  /** Records the bytes a fetch response carries (consumer_byte_rate); the throttle time in ms. */
  recordFetched(user: string, clientId: string, bytes: number, nowMs: number): number {
    if (!this.fetch.enabled) return 0;
    return this.fetch.recordAndGetThrottleTimeMs(user, clientId, bytes, nowMs);
  }
}
