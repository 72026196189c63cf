/**
 * Client telemetry (KIP-714), as Kafka's ClientMetricsManager serves it:
 * - subscriptions are the CLIENT_METRICS config resources of the metadata
 *   image (this is a metadata publisher), each naming metric prefixes, a
 *   push interval and the clients it matches;
 * - GetTelemetrySubscriptions gives a client (identified by its client
 *   instance id, a new random one on its first request) the union of the
 *   metrics of every matching subscription, the shortest of their
 *   intervals, and a subscription id; asking again before the interval is
 *   up is THROTTLING_QUOTA_EXCEEDED, unless the subscriptions changed
 *   meanwhile or the client's last push was refused for its subscription
 *   id or compression (Kafka means to allow those; its check has a bug);
 * - PushTelemetry is refused, in Kafka's order, after a terminating push
 *   (INVALID_REQUEST), before the interval (THROTTLING_QUOTA_EXCEEDED, a
 *   terminating push excepted), with a stale subscription id
 *   (UNKNOWN_SUBSCRIPTION_ID), an unknown compression
 *   (UNSUPPORTED_COMPRESSION_TYPE) or over `telemetry.max.bytes`
 *   (TELEMETRY_TOO_LARGE); a payload that does not decompress or decode as
 *   OTLP metrics is INVALID_RECORD (Kafka's answer when its receiver plugin
 *   fails). Where Kafka hands the payload to a plugin, Weir keeps the
 *   decoded metrics per client for its Prometheus endpoint.
 * Clients are forgotten max(60 s, 3 push intervals) after their last
 * request, and at most 16384 are kept (least recently seen first out).
 *
 * Weir asks for cumulative values (DeltaTemporality false; Kafka asks for
 * deltas for its plugins): Prometheus wants running totals.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger';
import { crc32c } from '../checksum/crc32c';
import { ClientMetricsSubscription, ConfigResourceType, clientMetricsConfigProblem, clientMetricsSubscription, DEFAULT_PUSH_INTERVAL_MS } from '../config';
import type { MetadataDelta } from '../cluster/metadata/metadata-delta';
import type { MetadataImage } from '../cluster/metadata/metadata-image';
import type { MetadataPublisher } from '../cluster/metadata/metadata-loader';
import { ErrorCode } from '../protocol/errors';
import { ClientMetricSeries } from './client-metric-series';

/** What a request says about the client (the `match` selectors but the instance id). */
export interface ClientSelectors {
  readonly clientId: string | null;
  readonly softwareName: string | null;
  readonly softwareVersion: string | null;
  readonly sourceAddress: string;
  readonly sourcePort: string;
}

export interface SubscriptionsAnswer {
  readonly errorCode: ErrorCode;
  readonly errorMessage?: string;
  readonly clientInstanceId: string;
  readonly subscriptionId: number;
  readonly acceptedCompressionTypes: number[];
  readonly pushIntervalMs: number;
  readonly telemetryMaxBytes: number;
  readonly deltaTemporality: boolean;
  readonly requestedMetrics: string[];
}

export interface PushRequest {
  readonly clientInstanceId: string;
  readonly subscriptionId: number;
  readonly terminating: boolean;
  readonly compressionType: number;
  readonly metrics: Buffer;
}

/** A client as the Prometheus endpoint shows it. */
export interface ClientTelemetry {
  /** Kafka's form of the client instance id (base64url, 22 characters). */
  readonly clientInstanceId: string;
  readonly selectors: ClientSelectors;
  readonly series: ClientMetricSeries;
}

export interface ClientMetricsManagerOptions {
  /** telemetry.max.bytes */
  telemetryMaxBytes: number;
  now: () => number;
  log?: Logger | null;
  /** A random UUID in the protocol's string form (tests inject one). */
  randomUuid?: () => string;
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
/** Kafka's Uuid.RESERVED: the zero id, the metadata topic's id (1) and ONE_UUID are never client ids. */
const RESERVED_UUIDS: ReadonlySet<string> = new Set([ZERO_UUID, '00000000-0000-0000-0000-000000000001']);
/** zstd, lz4, gzip, snappy: Kafka's order of preference. */
const ACCEPTED_COMPRESSION_TYPES = [4, 3, 1, 2];
const ALL_METRICS = '*';
const CACHE_MAX_SIZE = 16_384;
const MIN_EXPIRY_MS = 60_000;
/** Decompressed payloads beyond this are refused (a zip bomb must not exhaust memory). */
const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** Kafka's Uuid.toString: the 16 bytes as unpadded base64url. */
export function kafkaUuidString(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');
}

function randomUuid(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Java's Uuid.hashCode: the two longs xor-ed, then their halves. */
function uuidHash(uuid: string): number {
  const hex = uuid.replace(/-/g, '');
  const h = BigInt(`0x${hex.slice(0, 16)}`) ^ BigInt(`0x${hex.slice(16)}`);
  return Number(BigInt.asIntN(32, (h >> 32n) ^ h));
}

class ClientMetricsInstance {
  lastGetMs = -Infinity;
  lastPushMs = -Infinity;
  lastSeenMs: number;
  terminating = false;
  lastError: ErrorCode = ErrorCode.NONE;

  constructor(
    readonly id: string,
    readonly selectors: ClientSelectors,
    readonly subscriptionVersion: number,
    readonly subscriptionId: number,
    readonly metrics: string[],
    readonly pushIntervalMs: number,
    readonly series: ClientMetricSeries,
    now: number,
  ) {
    this.lastSeenMs = now;
  }

  get expiryMs(): number {
    return Math.max(MIN_EXPIRY_MS, 3 * this.pushIntervalMs);
  }

  /** A GetTelemetrySubscriptions is due: a push interval since the last request. */
  maybeUpdateGet(now: number): boolean {
    if (now - Math.max(this.lastGetMs, this.lastPushMs) < this.pushIntervalMs) return false;
    this.lastGetMs = now;
    return true;
  }

  /** A push is due: the first after a Get (clients jitter their interval), or an interval after the last push. */
  maybeUpdatePush(now: number): boolean {
    const due = this.lastGetMs > this.lastPushMs || now - this.lastPushMs >= this.pushIntervalMs;
    if (due) this.lastPushMs = now;
    return due;
  }
}

export class ClientMetricsManager implements MetadataPublisher {
  readonly name = 'ClientMetricsManager';
  private readonly subscriptions = new Map<string, ClientMetricsSubscription>();
  private subscriptionVersion = 0;
  /** By client instance id, least recently seen first. */
  private readonly instances = new Map<string, ClientMetricsInstance>();
  private readonly newUuid: () => string;
  private readonly log: Logger | null;

  constructor(private readonly options: ClientMetricsManagerOptions) {
    this.newUuid = options.randomUuid ?? randomUuid;
    this.log = options.log ?? null;
  }

  // ---- subscriptions (from the metadata) --------------------------------------

  onMetadataUpdate(delta: MetadataDelta, image: MetadataImage): void {
    const changed = delta.changedConfigResources(ConfigResourceType.CLIENT_METRICS);
    if (changed.size === 0) return;
    for (const name of changed) {
      const configs = image.resourceConfigs(ConfigResourceType.CLIENT_METRICS, name);
      const problem = configs.size === 0 ? null : clientMetricsConfigProblem(name, configs);
      if (configs.size === 0) this.subscriptions.delete(name);
      else if (problem) this.log?.error({ subscription: name, reason: problem.message }, 'client metrics subscription ignored');
      else this.subscriptions.set(name, clientMetricsSubscription(name, configs));
    }
    this.subscriptionVersion++;
  }

  /** The subscriptions' names (ListClientMetricsResources). */
  subscriptionNames(): string[] {
    return [...this.subscriptions.keys()];
  }

  // ---- requests -----------------------------------------------------------------

  getSubscriptions(requestedId: string, selectors: ClientSelectors): SubscriptionsAnswer {
    const now = this.options.now();
    let id = requestedId;
    if (id === ZERO_UUID) {
      do id = this.newUuid();
      while (RESERVED_UUIDS.has(id) || this.instances.has(id));
    }
    const instance = this.instance(id, selectors, now);
    const retryAfterRefusal = instance.lastError === ErrorCode.UNKNOWN_SUBSCRIPTION_ID || instance.lastError === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
    if (!instance.maybeUpdateGet(now) && !retryAfterRefusal) {
      return this.answer(instance, ErrorCode.THROTTLING_QUOTA_EXCEEDED, `Request from the client [${kafkaUuidString(id)}] arrived before the next push interval time`);
    }
    if (retryAfterRefusal) instance.lastGetMs = now;
    instance.lastError = ErrorCode.NONE;
    return this.answer(instance, ErrorCode.NONE);
  }

  push(req: PushRequest, selectors: ClientSelectors): { errorCode: ErrorCode; errorMessage: string | null } {
    const refuse = (errorCode: ErrorCode, errorMessage: string) => ({ errorCode, errorMessage });
    if (RESERVED_UUIDS.has(req.clientInstanceId)) return refuse(ErrorCode.INVALID_REQUEST, `Invalid request from the client [${kafkaUuidString(req.clientInstanceId)}], invalid client instance id`);
    const now = this.options.now();
    const instance = this.instance(req.clientInstanceId, selectors, now);
    const client = kafkaUuidString(req.clientInstanceId);
    const refusal = this.checkPush(req, instance, now, client);
    instance.terminating = req.terminating;
    if (refusal) {
      instance.lastError = refusal.errorCode;
      return refusal;
    }
    if (req.metrics.length > 0) {
      try {
        // The decoders load with the first push (most brokers never see one).
        const { decompress } = require('../protocol/records/compression') as typeof import('../protocol/records/compression');
        const { decodeOtlpMetrics } = require('./otlp-metrics') as typeof import('./otlp-metrics');
        const payload = req.compressionType === 0 ? req.metrics : decompress(req.compressionType, req.metrics, MAX_DECOMPRESSED_BYTES);
        instance.series.record(decodeOtlpMetrics(payload), now);
      } catch (err) {
        instance.lastError = ErrorCode.INVALID_RECORD;
        this.log?.warn({ client, err: err instanceof Error ? err.message : String(err) }, 'client telemetry push not decodable');
        return refuse(ErrorCode.INVALID_RECORD, `Telemetry push from [${client}] is not OTLP metrics`);
      }
    }
    instance.lastError = ErrorCode.NONE;
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  private checkPush(req: PushRequest, instance: ClientMetricsInstance, now: number, client: string) {
    const refuse = (errorCode: ErrorCode, errorMessage: string) => ({ errorCode, errorMessage });
    if (instance.terminating) {
      return refuse(ErrorCode.INVALID_REQUEST, `Client [${client}] sent the previous request with state terminating to TRUE, can not accept any requests after that`);
    }
    if (!instance.maybeUpdatePush(now) && !req.terminating) {
      return refuse(ErrorCode.THROTTLING_QUOTA_EXCEEDED, `Request from the client [${client}] arrived before the next push interval time`);
    }
    if (req.subscriptionId !== instance.subscriptionId) return refuse(ErrorCode.UNKNOWN_SUBSCRIPTION_ID, `Unknown client subscription id for the client [${client}]`);
    if (!Number.isInteger(req.compressionType) || req.compressionType < 0 || req.compressionType > 4) {
      return refuse(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `Unknown compression type [${req.compressionType}] is received in telemetry request from [${client}]`);
    }
    if (req.metrics.length > this.options.telemetryMaxBytes) {
      return refuse(ErrorCode.TELEMETRY_TOO_LARGE, `Telemetry request from [${client}] is larger than the maximum allowed size [${this.options.telemetryMaxBytes}]`);
    }
    return null;
  }

  // ---- what the Prometheus endpoint shows ----------------------------------------

  /** Every client known and not expired, with the metrics it pushed. */
  clients(): ClientTelemetry[] {
    this.expire(this.options.now());
    return [...this.instances.values()].map((i) => ({ clientInstanceId: kafkaUuidString(i.id), selectors: i.selectors, series: i.series }));
  }

  // ---- instances ------------------------------------------------------------------

  /**
   * The client's instance, created on first sight, and made again (keeping
   * its metrics and timestamps) when the subscriptions changed since.
   */
  private instance(id: string, selectors: ClientSelectors, now: number): ClientMetricsInstance {
    this.expire(now);
    let instance = this.instances.get(id);
    if (!instance || instance.subscriptionVersion < this.subscriptionVersion) {
      const fresh = this.create(id, instance?.selectors ?? selectors, instance?.series ?? new ClientMetricSeries(), now);
      if (instance) {
        fresh.terminating = instance.terminating;
        fresh.lastError = instance.lastError;
      }
      instance = fresh;
    }
    instance.lastSeenMs = now;
    // Most recently seen last.
    this.instances.delete(id);
    this.instances.set(id, instance);
    while (this.instances.size > CACHE_MAX_SIZE) {
      const oldest = this.instances.keys().next();
      if (oldest.done) break;
      this.instances.delete(oldest.value);
    }
    return instance;
  }

  private create(id: string, selectors: ClientSelectors, series: ClientMetricSeries, now: number): ClientMetricsInstance {
    const attributes: Record<string, string | null> = {
      client_instance_id: kafkaUuidString(id),
      client_id: selectors.clientId,
      client_software_name: selectors.softwareName,
      client_software_version: selectors.softwareVersion,
      client_source_address: selectors.sourceAddress,
      client_source_port: selectors.sourcePort,
    };
    let interval = DEFAULT_PUSH_INTERVAL_MS;
    let all = false;
    const metrics = new Set<string>();
    for (const s of this.subscriptions.values()) {
      const matches = [...s.match].every(([selector, pattern]) => {
        const value = attributes[selector];
        return value !== null && value !== undefined && pattern.test(value);
      });
      if (!matches) continue;
      all ||= s.metrics.includes(ALL_METRICS);
      for (const m of s.metrics) metrics.add(m);
      interval = Math.min(interval, s.intervalMs);
    }
    const requested = all ? [ALL_METRICS] : [...metrics].sort();
    const crc = crc32c(Buffer.from(`[${requested.join(', ')}]${interval}`, 'utf8'));
    const subscriptionId = (crc | 0) ^ uuidHash(id);
    return new ClientMetricsInstance(id, selectors, this.subscriptionVersion, subscriptionId, requested, interval, series, now);
  }

  /**
   * Forgets expired clients, oldest first, stopping at the first one still
   * live (clients with a longer interval may so keep a few shorter-lived
   * ones a little longer: no scan of every client on every request).
   */
  private expire(now: number): void {
    for (const [id, instance] of this.instances) {
      if (now - instance.lastSeenMs <= instance.expiryMs) break;
      this.instances.delete(id);
    }
  }

  private answer(instance: ClientMetricsInstance, errorCode: ErrorCode, errorMessage?: string): SubscriptionsAnswer {
    // An error answer carries nothing else, as Kafka's getErrorResponse builds it.
    if (errorCode !== ErrorCode.NONE) {
      return { errorCode, errorMessage, clientInstanceId: ZERO_UUID, subscriptionId: 0, acceptedCompressionTypes: [], pushIntervalMs: 0, telemetryMaxBytes: 0, deltaTemporality: false, requestedMetrics: [] };
    }
    return {
      errorCode,
      errorMessage,
      clientInstanceId: instance.id,
      subscriptionId: instance.subscriptionId,
      acceptedCompressionTypes: ACCEPTED_COMPRESSION_TYPES,
      pushIntervalMs: instance.pushIntervalMs,
      telemetryMaxBytes: this.options.telemetryMaxBytes,
      deltaTemporality: false,
      requestedMetrics: instance.metrics,
    };
  }
}
