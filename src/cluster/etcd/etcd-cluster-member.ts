/**
 * This broker as a member of a cluster on etcd: the pieces of this folder
 * opened in order and held together (README.md, "For the wiring"):
 * the etcd client, this broker's session (its lease), the registry of live
 * brokers, the controller election (this broker stands), the metadata log
 * in etcd (fenced by the election) and, once its listeners are bound, its
 * own registration.
 *
 * A lost session (etcd expired the lease: the broker was cut off or frozen
 * past `broker.session.timeout.ms`) is final for that session: the member
 * opens a new one, registers again (a new broker epoch) and stands again,
 * retrying until etcd answers. Meanwhile the rest of the cluster has seen
 * it die; the controller fences it and unfences it when it is back.
 *
 * The cluster id is etcd's `cluster.id` key, created once by the first
 * broker of the cluster (a create-only transaction, so two first brokers
 * agree).
 */
import { CompareResult, CompareTarget } from './etcd-messages';
import type { Logger } from '../../logger';
import { BrokerRegistry } from './broker-registry';
import { type BrokerDescription, type LiveBroker, OwnBrokerRegistration } from './broker-registration';
import { ControllerElection, NO_CONTROLLER } from './controller-election';
import type { ControllerFence } from './controller-fence';
import { connectEtcd, describeEtcdError, type EtcdClient } from './etcd-client';
import { EtcdKeys } from './etcd-keys';
import { EtcdMetadataStore, METADATA_RECORD_CODEC } from './etcd-metadata-store';
import { EtcdSession } from './etcd-session';
import type { EtcdSettings } from './etcd-settings';
import type { MetadataRecord } from '../metadata/metadata-record';
import { randomKafkaUuid } from '../meta-properties';

export interface EtcdClusterMemberOptions {
  readonly settings: EtcdSettings;
  readonly nodeId: number;
  readonly log: Logger;
}

/** How long a lost member waits between attempts to join again. */
const REJOIN_BACKOFF_MS = 500;

export class EtcdClusterMember {
  private election: ControllerElection | null = null;
  private registration: OwnBrokerRegistration | null = null;
  private description: BrokerDescription | null = null;
  private closed = false;
  /** A controlled shutdown has begun: a lost session is not rejoined as a candidate. */
  private shuttingDown = false;
  private readonly electedListeners = new Set<(fence: ControllerFence) => void>();
  private readonly controllerListeners = new Set<(controllerId: number) => void>();
  private readonly sessionLostListeners = new Set<() => void>();

  private constructor(
    private readonly options: EtcdClusterMemberOptions,
    private readonly client: EtcdClient,
    readonly keys: EtcdKeys,
    private session: EtcdSession,
    readonly registry: BrokerRegistry,
    readonly store: EtcdMetadataStore<MetadataRecord>,
    readonly clusterId: string,
  ) {}

  /** Connects, opens a session, follows the registry; the store is created but not started. */
  static async open(options: EtcdClusterMemberOptions): Promise<EtcdClusterMember> {
    const { settings, log } = options;
    const client = connectEtcd({ endpoints: settings.endpoints });
    try {
      const keys = new EtcdKeys(settings.keyPrefix);
      const clusterId = await clusterIdOf(client, keys);
      const session = await EtcdSession.open(client, { ...settings, keepAliveThread: { endpoints: settings.endpoints }, log });
      const registry = await BrokerRegistry.start(client, keys, log);
      let member: EtcdClusterMember | null = null;
      const store = new EtcdMetadataStore<MetadataRecord>({ client, keys, codec: METADATA_RECORD_CODEC, fence: () => member?.fence ?? null, log });
      member = new EtcdClusterMember(options, client, keys, session, registry, store, clusterId);
      member.watchSession();
      return member;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  /** The controller's node id as this broker sees it; -1 when there is none. */
  get controllerId(): number {
    return this.election?.controllerId ?? NO_CONTROLLER;
  }

  /** This broker's fencing token while it is the controller. */
  get fence(): ControllerFence | null {
    return this.election?.fence ?? null;
  }

  isController(): boolean {
    return this.election?.isController() ?? false;
  }

  /** This broker's registration epoch (-1 before it registered). */
  get brokerEpoch(): number {
    return this.registration?.broker.epoch ?? -1;
  }

  /** This broker's registration as etcd holds it, or null before it registered. */
  get ownRegistration(): LiveBroker | null {
    return this.registration?.broker ?? null;
  }

  /** Called (on this broker) each time it becomes the controller. */
  onElected(listener: (fence: ControllerFence) => void): void {
    this.electedListeners.add(listener);
  }

  /** Called when this broker's session is lost (before it joins again). */
  onSessionLost(listener: () => void): void {
    this.sessionLostListeners.add(listener);
  }

  /** Called on every change of controller (any broker). */
  onControllerChange(listener: (controllerId: number) => void): void {
    this.controllerListeners.add(listener);
  }

  /** Stands for controller (on this session); listeners are added before. */
  async stand(): Promise<void> {
    const election = await ControllerElection.start({ client: this.client, keys: this.keys, nodeId: this.options.nodeId, session: this.session, log: this.options.log });
    election.onElected((fence) => {
      for (const l of this.electedListeners) l(fence);
    });
    election.onControllerChange((id) => {
      for (const l of this.controllerListeners) l(id);
    });
    this.election = election;
    await election.stand();
    // An election settled before the listeners were added was already reported by start().
    if (election.isController()) for (const l of this.electedListeners) l(election.fence!);
    for (const l of this.controllerListeners) l(election.controllerId);
  }

  /** Registers this broker (once its listeners are bound), waiting out an earlier holder of its node.id. */
  async register(broker: BrokerDescription): Promise<LiveBroker> {
    this.description = broker;
    const deadline = Date.now() + this.options.settings.registrationTimeoutMs;
    for (;;) {
      const session = this.session;
      try {
        this.registration = await OwnBrokerRegistration.register({
          client: this.client,
          keys: this.keys,
          session,
          broker,
          timeoutMs: Math.max(1, deadline - Date.now()),
          log: this.options.log,
        });
        this.options.log.info({ nodeId: broker.id, epoch: this.registration.broker.epoch }, 'registered in the cluster');
        return this.registration.broker;
      } catch (err) {
        // The session was lost meanwhile (a broker busy opening thousands of
        // logs at start can miss its renewals): the member opens a new one;
        // register with that.
        if (this.closed || session.state !== 'lost' || Date.now() >= deadline) throw err;
        this.options.log.warn({ err: describeEtcdError(err) }, 'the session was lost while registering; registering again with a new one');
        while (this.session === session && !this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /**
   * Begins a controlled shutdown (controlled-shutdown.ts): this broker stops
   * standing for controller (a controller hands over first: the next
   * candidate is elected at once and acts on what follows), then its
   * registration says `wantShutDown`, which the controller answers by moving
   * leadership off it. False when the registration could not say so (the
   * session was lost).
   */
  async beginControlledShutdown(): Promise<boolean> {
    this.shuttingDown = true;
    await this.election?.resign();
    return (await this.registration?.requestShutdown()) ?? false;
  }

  /**
   * Resolves once no other live broker could take over leadership: every
   * other registration is gone or wants to shut down too (the whole
   * cluster is stopping, and nobody would act on a controlled shutdown).
   */
  whenNoOtherBrokerStays(): Promise<void> {
    const alone = () => [...this.registry.brokers.values()].every((b) => b.id === this.options.nodeId || b.wantShutDown);
    if (alone()) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.registry.onChange(() => {
        if (!alone()) return;
        off();
        resolve();
      });
    });
  }

  /** Shutdown: resigns (the next controller is elected at once) and revokes the lease. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.store.close();
    await this.election?.close().catch(() => undefined);
    await this.registry.close().catch(() => undefined);
    await this.session.close().catch(() => undefined);
    this.client.close();
  }

  private watchSession(): void {
    const s = this.session;
    s.onStateChange((state) => {
      if (state !== 'lost' || this.closed || s !== this.session) return;
      this.options.log.error({ nodeId: this.options.nodeId }, 'etcd session lost: the cluster considers this broker dead; joining again');
      for (const l of this.sessionLostListeners) l();
      void this.rejoin();
    });
  }

  private async rejoin(): Promise<void> {
    while (!this.closed) {
      try {
        await this.election?.close();
        this.election = null;
        this.session = await EtcdSession.open(this.client, { ...this.options.settings, keepAliveThread: { endpoints: this.options.settings.endpoints }, log: this.options.log });
        this.watchSession();
        // Registered before the loss: again now (a first registration still
        // under way retries with this session by itself).
        if (this.registration && this.description) await this.register(this.description);
        if (!this.shuttingDown) await this.stand();
        return;
      } catch (err) {
        this.options.log.warn({ err: describeEtcdError(err) }, 'could not join the cluster again; retrying');
        await new Promise((r) => setTimeout(r, REJOIN_BACKOFF_MS));
      }
    }
  }
}

/** The cluster's id: etcd's `cluster.id`, created by the first broker that finds none. */
async function clusterIdOf(client: EtcdClient, keys: EtcdKeys): Promise<string> {
  const proposed = randomKafkaUuid();
  const res = await client.kv.txn({
    compare: [{ key: keys.clusterId, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
    success: [{ request_put: { key: keys.clusterId, value: Buffer.from(proposed) } }],
    failure: [{ request_range: { key: keys.clusterId } }],
  });
  if (res.succeeded) return proposed;
  const kv = res.responses[0]?.response_range?.kvs[0];
  if (!kv) throw new Error('etcd holds no cluster.id although creating it failed');
  return kv.value.toString();
}
