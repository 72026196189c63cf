/**
 * Dynamic broker configs (KIP-226) as Kafka's KRaft brokers hold them: the
 * cluster-wide defaults are the ConfigRecords of the BROKER resource "", a
 * broker's own are those of the resource named by its id. Both live in the
 * metadata log, so they are persisted and replayed at start like every
 * other metadata; this publisher turns them into the BrokerConfig's
 * dynamic layers (per broker > cluster default > static > default) and
 * tells the reconfigurables whose keys changed, so a change takes effect
 * without a restart.
 *
 * A stored set is cleaned first (Kafka's fromPersistentProps): keys that
 * cannot be dynamic, per-broker keys at the cluster level and invalid
 * values are dropped with one log line each. A set that passes key by key
 * but fails as a whole (log.retention.ms 0, compaction lags crossed, ...)
 * is not applied and is logged, as Kafka logs "could not be applied".
 *
 * A key is updatable at runtime when Kafka marks it dynamic and either
 * Weir does not act on it at all, or a registered reconfigurable applies it;
 * `validate` checks an alter request against exactly these rules.
 */
import type { Logger } from '../logger';
import {
  BROKER_CONFIGS,
  type BrokerConfig,
  type ConfigError,
  ConfigResourceType,
  cleanDynamicBrokerConfigs,
  dynamicBrokerConfigProblem,
  invalidRequest,
  rawLayer,
  resolveBrokerConfig,
} from '../config';
import type { MetadataDelta } from './metadata/metadata-delta';
import type { MetadataImage } from './metadata/metadata-image';
import type { MetadataPublisher } from './metadata/metadata-loader';

/** A part of the broker that applies some broker configs while running (Kafka's BrokerReconfigurable). */
export interface BrokerReconfigurable {
  readonly name: string;
  /** The broker config names it applies. */
  readonly keys: ReadonlySet<string>;
  /** Called after the config took the new values, when one of `keys` changed. */
  reconfigure(config: BrokerConfig): void;
}

/**
 * Keys whose users read the config at every use, so a new value applies
 * with no reconfiguration step (the transaction verifier in broker.ts).
 */
const READ_AT_EVERY_USE: ReadonlySet<string> = new Set(['transaction.partition.verification.enable']);

export class DynamicBrokerConfig implements MetadataPublisher {
  readonly name = 'DynamicBrokerConfig';
  private readonly reconfigurables: BrokerReconfigurable[] = [];
  private readonly staticRaw: Map<string, string>;

  constructor(
    private readonly config: BrokerConfig,
    private readonly nodeId: number,
    private readonly log: Logger | null = null,
  ) {
    this.staticRaw = rawLayer(config.staticLayer);
  }

  /**
   * Registers a part that applies some keys at runtime. Register before the
   * publisher is installed: the stored configs are cleaned against what is
   * updatable when they are first applied.
   */
  addReconfigurable(r: BrokerReconfigurable): void {
    this.reconfigurables.push(r);
  }

  /** Whether `name` can change at runtime on this broker. */
  isUpdatable(name: string): boolean {
    const key = BROKER_CONFIGS.get(name);
    if (key === undefined) return true; // custom configs are kept, and ignored
    if (!key.dynamic) return false;
    return key.support === 'ignored' || READ_AT_EVERY_USE.has(name) || this.reconfigurables.some((r) => r.keys.has(name));
  }

  /**
   * Checks a new set of configs for the BROKER resource `resourceName` (""
   * or this broker's id) as Kafka's ConfigAdminManager does before
   * persisting: per key, then the broker config they would make, whole.
   */
  validate(resourceName: string, next: ReadonlyMap<string, string>): ConfigError | null {
    const perBroker = resourceName !== '';
    const problem = dynamicBrokerConfigProblem(next, perBroker, this);
    if (problem) return problem;
    const current = this.config;
    const candidate = resolveBrokerConfig({
      static: this.staticRaw,
      dynamicDefault: perBroker ? rawLayer(current.dynamicDefaultLayer) : next,
      dynamicBroker: perBroker ? next : rawLayer(current.dynamicBrokerLayer),
    });
    const first = candidate.errors[0];
    return first ? invalidRequest(first.message, first.configName) : null;
  }

  onMetadataUpdate(delta: MetadataDelta, image: MetadataImage): void {
    const changed = delta.changedConfigResources(ConfigResourceType.BROKER);
    if (changed.has('') || changed.has(String(this.nodeId))) this.apply(image);
  }

  private apply(image: MetadataImage): void {
    const clean = (stored: ReadonlyMap<string, string>, perBroker: boolean) => {
      const { configs, dropped } = cleanDynamicBrokerConfigs(stored, perBroker, this);
      for (const d of dropped) this.log?.error({ config: d.name, level: perBroker ? 'broker' : 'cluster default' }, `dynamic broker config ignored: ${d.reason}`);
      return configs;
    };
    const dynamicDefault = clean(image.brokerConfigs(''), false);
    const dynamicBroker = clean(image.brokerConfigs(this.nodeId), true);
    const candidate = resolveBrokerConfig({ static: this.staticRaw, dynamicDefault, dynamicBroker });
    if (candidate.errors.length > 0) {
      this.log?.error({ errors: candidate.errors.map((e) => e.message) }, 'dynamic broker configs could not be applied');
      return;
    }
    const before = this.config;
    const names = new Set([...before.dynamicDefaultLayer.keys(), ...before.dynamicBrokerLayer.keys(), ...dynamicDefault.keys(), ...dynamicBroker.keys()]);
    const oldValues = new Map([...names].map((n) => [n, JSON.stringify(before.setting(n)?.value ?? null)]));
    this.config.updateDynamicLayers(candidate.config);
    const changedKeys = [...names].filter((n) => oldValues.get(n) !== JSON.stringify(this.config.setting(n)?.value ?? null));
    if (changedKeys.length === 0) return;
    this.log?.info({ changed: changedKeys, ignored: candidate.ignoredKeys.filter((k) => changedKeys.includes(k)) }, 'dynamic broker configs applied');
    for (const r of this.reconfigurables) {
      if (!changedKeys.some((k) => r.keys.has(k))) continue;
      try {
        r.reconfigure(this.config);
      } catch (err) {
        this.log?.error({ err, reconfigurable: r.name }, 'reconfiguration failed');
      }
    }
  }
}
