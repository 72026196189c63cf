/**
 * Who is alive: every broker's view of the registrations under `brokers/`
 * (see broker-registration.ts), kept current by a PrefixWatch and reported
 * as changes. A broker is alive while its registration key exists, that is
 * while its lease does; it is dead to the cluster from the revision at
 * which etcd deleted the key (lease expired or revoked, or the broker
 * unregistered).
 *
 * A broker that restarts with the same node.id is reported as unregistered
 * (the old incarnation) and registered (the new one, with a larger epoch),
 * in that order, possibly in one change. A registration whose value changes
 * under the same epoch (a broker beginning a controlled shutdown) is
 * reported as updated. After a reload (etcd compacted the
 * history the watch needed) the change is the difference between what was
 * known and what etcd holds now.
 */
import type { EtcdClient } from './etcd-client';
import type { IEvent } from './etcd-messages';
import type { Logger } from '../../logger';
import { type LiveBroker, parseLiveBroker } from './broker-registration';
import type { EtcdKeys } from './etcd-keys';
import { prefixRangeEnd } from './etcd-keys';
import { readRange } from './etcd-range';
import { PrefixWatch } from './prefix-watch';

export interface BrokerRegistryChange {
  /** Registrations that ended (the broker is dead, or restarted as a new incarnation). */
  readonly unregistered: readonly LiveBroker[];
  /** New registrations (new brokers, or new incarnations). */
  readonly registered: readonly LiveBroker[];
  /** Registrations that stay, with a new state (wantShutDown). */
  readonly updated: readonly LiveBroker[];
}

export type BrokerRegistryListener = (change: BrokerRegistryChange, brokers: ReadonlyMap<number, LiveBroker>) => void;

export class BrokerRegistry {
  private current = new Map<number, LiveBroker>();
  private readonly listeners = new Set<BrokerRegistryListener>();
  private watch: PrefixWatch | null = null;

  private constructor(
    private readonly keys: EtcdKeys,
    private readonly log: Logger | null,
  ) {}

  /** Reads the live brokers and follows them. */
  static async start(client: EtcdClient, keys: EtcdKeys, log: Logger | null = null): Promise<BrokerRegistry> {
    const registry = new BrokerRegistry(keys, log);
    registry.watch = await PrefixWatch.start(client, {
      name: 'broker registry',
      prefix: keys.brokers,
      log,
      load: async () => {
        const read = await readRange(client, keys.brokers, prefixRangeEnd(keys.brokers));
        const next = new Map<number, LiveBroker>();
        for (const kv of read.kvs) {
          const broker = registry.parse(kv.key, kv);
          if (broker) next.set(broker.id, broker);
        }
        registry.replace(next);
        return read.revision;
      },
      onEvents: (events) => registry.apply(events),
    });
    return registry;
  }

  /** Live brokers by node id. */
  get brokers(): ReadonlyMap<number, LiveBroker> {
    return this.current;
  }

  isAlive(nodeId: number): boolean {
    return this.current.has(nodeId);
  }

  /** Calls `listener` on every change; returns a function that removes it. */
  onChange(listener: BrokerRegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.watch?.close();
  }

  private parse(key: Buffer, kv: Parameters<typeof parseLiveBroker>[0]): LiveBroker | null {
    const id = this.keys.brokerIdOf(key);
    if (id === null) return null;
    const broker = parseLiveBroker(kv);
    if (!broker || broker.id !== id) {
      this.log?.warn({ key: key.toString() }, 'ignoring a malformed broker registration in etcd');
      return null;
    }
    return broker;
  }

  private apply(events: readonly IEvent[]): void {
    const next = new Map(this.current);
    for (const e of events) {
      const id = this.keys.brokerIdOf(e.kv.key);
      if (id === null) continue;
      if (e.type === 'Delete') {
        next.delete(id);
        continue;
      }
      const broker = this.parse(e.kv.key, e.kv);
      if (broker) next.set(id, broker);
    }
    this.replace(next);
  }

  private replace(next: Map<number, LiveBroker>): void {
    const unregistered: LiveBroker[] = [];
    const registered: LiveBroker[] = [];
    const updated: LiveBroker[] = [];
    for (const [id, old] of this.current) {
      const now = next.get(id);
      if (!now || now.epoch !== old.epoch) unregistered.push(old);
    }
    for (const [id, now] of next) {
      const old = this.current.get(id);
      if (!old || old.epoch !== now.epoch) registered.push(now);
      else if (old.wantShutDown !== now.wantShutDown) updated.push(now);
    }
    this.current = next;
    if (unregistered.length === 0 && registered.length === 0 && updated.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener({ unregistered, registered, updated }, next);
      } catch (err) {
        this.log?.error({ err }, 'broker registry listener failed');
      }
    }
  }
}
