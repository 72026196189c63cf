/**
 * A broker joining the cluster: its registration is the key
 * `brokers/<node.id>`, attached to its session's lease, holding what other
 * brokers and clients need to reach it (JSON, readable with etcdctl, shaped
 * like Kafka's RegisterBrokerRecord):
 *
 *   {"version":1,"brokerId":1,"incarnationId":"<uuid>","rack":null,
 *    "endPoints":[{"name":"PLAINTEXT","host":"127.0.0.1","port":9092,"securityProtocol":0}]}
 *
 * A broker that begins a controlled shutdown (controlled-shutdown.ts) adds
 * `"wantShutDown":true` to its value: the registration is Weir's broker
 * heartbeat (its lease is the liveness, its value the broker's state), so
 * this is Kafka's BrokerHeartbeat `wantShutDown`, and the controller acts on
 * it as on every other change of the registry. The key keeps its create
 * revision, so the broker epoch does not change.
 *
 * The key lives exactly as long as the lease: a broker whose lease is gone
 * is dead to the cluster. Its create revision is the broker epoch: every
 * registration of a node id gets a larger one, so a message carrying an old
 * epoch is from a previous incarnation (Kafka's broker epoch).
 *
 * One live broker per node id, as Kafka: a registration finding the key held
 * under another lease waits for it to go (a broker restarted quickly after a
 * crash waits out its previous session's TTL, as a KRaft broker retries
 * while the controller answers DUPLICATE_BROKER_REGISTRATION), and gives up
 * with DuplicateBrokerRegistrationError after
 * `initial.broker.registration.timeout.ms`: a second live broker with the
 * same node.id never gets in.
 */
import { randomUUID } from 'node:crypto';
import { CompareResult, CompareTarget, type IKeyValue, type ITxnResponse } from './etcd-messages';
import type { Logger } from '../../logger';
import { type EtcdClient, isLeaseNotFoundError } from './etcd-client';
import type { EtcdKeys } from './etcd-keys';
import type { EtcdSession } from './etcd-session';

/** Kafka's SecurityProtocol ids, as RegisterBrokerRecord carries them. */
export const SECURITY_PROTOCOL_IDS: Readonly<Record<string, number>> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };

export interface BrokerEndpoint {
  /** Listener name (`listeners` / `advertised.listeners`), e.g. PLAINTEXT. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Kafka's SecurityProtocol id (0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL). */
  readonly securityProtocol: number;
}

/** What a broker registers. */
export interface BrokerDescription {
  readonly id: number;
  /** `broker.rack`. */
  readonly rack: string | null;
  /** One per advertised listener. */
  readonly endpoints: readonly BrokerEndpoint[];
}

/** A registered, live broker as every broker sees it. */
export interface LiveBroker extends BrokerDescription {
  /** Random per broker process: tells a restart from a duplicate. */
  readonly incarnationId: string;
  /** The registration key's create revision: grows with every registration of this id. */
  readonly epoch: number;
  /** The lease the registration lives on (etcd's id, decimal). */
  readonly leaseId: string;
  /** The broker has begun a controlled shutdown (Kafka's BrokerHeartbeat wantShutDown). */
  readonly wantShutDown: boolean;
}

interface RegistrationValue {
  readonly version: 1;
  readonly brokerId: number;
  readonly incarnationId: string;
  readonly rack: string | null;
  readonly endPoints: readonly BrokerEndpoint[];
  /** Present (true) once the broker has begun a controlled shutdown. */
  readonly wantShutDown?: boolean;
}

export class DuplicateBrokerRegistrationError extends Error {
  constructor(
    readonly nodeId: number,
    readonly otherIncarnationId: string,
    waitedMs: number,
  ) {
    super(
      `node.id ${nodeId} is registered by another live broker (incarnation ${otherIncarnationId}) and was not released within ${waitedMs} ms ` +
        `(initial.broker.registration.timeout.ms); two brokers cannot share a node.id`,
    );
    this.name = 'DuplicateBrokerRegistrationError';
  }
}

/** Parses a registration key's value; null when it is not one (logged by the caller). */
export function parseLiveBroker(kv: IKeyValue): LiveBroker | null {
  try {
    const v = JSON.parse(kv.value.toString()) as Partial<RegistrationValue>;
    if (v.version !== 1 || typeof v.brokerId !== 'number' || typeof v.incarnationId !== 'string' || !Array.isArray(v.endPoints)) return null;
    return {
      id: v.brokerId,
      rack: typeof v.rack === 'string' ? v.rack : null,
      endpoints: v.endPoints.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
      incarnationId: v.incarnationId,
      epoch: Number(kv.create_revision),
      leaseId: kv.lease,
      wantShutDown: v.wantShutDown === true,
    };
  } catch {
    return null;
  }
}

export interface RegisterBrokerOptions {
  readonly client: EtcdClient;
  readonly keys: EtcdKeys;
  readonly session: EtcdSession;
  readonly broker: BrokerDescription;
  /** `initial.broker.registration.timeout.ms`: how long to wait for a previous holder of the id to go. */
  readonly timeoutMs: number;
  readonly log?: Logger | null;
  /** Fixed only by tests; random otherwise. */
  readonly incarnationId?: string;
}

/** This broker's own registration. */
export class OwnBrokerRegistration {
  private constructor(
    private readonly client: EtcdClient,
    private readonly key: Buffer,
    private readonly session: EtcdSession,
    private current: LiveBroker,
  ) {}

  /** The registration as this broker last wrote it. */
  get broker(): LiveBroker {
    return this.current;
  }

  /** Registers (waiting out a previous holder of the id, see the file header). */
  static async register(options: RegisterBrokerOptions): Promise<OwnBrokerRegistration> {
    const { client, keys, session, broker } = options;
    const log = options.log ?? null;
    const key = keys.broker(broker.id);
    const incarnationId = options.incarnationId ?? randomUUID();
    const value: RegistrationValue = { version: 1, brokerId: broker.id, incarnationId, rack: broker.rack, endPoints: broker.endpoints };
    const bytes = Buffer.from(JSON.stringify(value));
    const started = Date.now();
    let waiting = false;
    for (;;) {
      let res: ITxnResponse;
      try {
        res = await client.kv.txn({
          compare: [{ key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
          success: [{ request_put: { key, value: bytes, lease: session.leaseId } }],
          failure: [{ request_range: { key } }],
        });
      } catch (err) {
        if (isLeaseNotFoundError(err)) session.markLost('etcd refused the broker registration: lease not found');
        throw err;
      }
      if (res.succeeded) {
        const epoch = Number(res.header.revision);
        log?.info({ nodeId: broker.id, epoch, incarnationId, leaseId: session.leaseId }, 'broker registered in etcd');
        return new OwnBrokerRegistration(client, key, session, { ...broker, incarnationId, epoch, leaseId: session.leaseId, wantShutDown: false });
      }
      const existing = res.responses[0]?.response_range?.kvs[0];
      if (existing && existing.lease === session.leaseId) {
        // Our own key: an earlier attempt succeeded but its answer was lost.
        const mine = parseLiveBroker(existing);
        if (mine && mine.incarnationId === incarnationId) return new OwnBrokerRegistration(client, key, session, mine);
      }
      const other = existing ? parseLiveBroker(existing) : null;
      const waited = Date.now() - started;
      if (waited >= options.timeoutMs) throw new DuplicateBrokerRegistrationError(broker.id, other?.incarnationId ?? 'unknown', waited);
      if (!waiting) {
        waiting = true;
        log?.warn(
          { nodeId: broker.id, otherIncarnationId: other?.incarnationId, timeoutMs: options.timeoutMs },
          'node.id is registered by another broker session; waiting for it to end',
        );
      }
      if (!session.isAlive() && session.state !== 'unknown') throw new Error(`etcd session ${session.state} while registering`);
      await waitForChange(client, key, existing ? Number(existing.mod_revision) : 0, Math.min(500, options.timeoutMs - waited));
    }
  }

  /**
   * Begins a controlled shutdown: the registration's value says
   * `wantShutDown` (same key, lease and create revision, so the same broker
   * epoch). Refused (false) when the key is no longer this registration
   * (the session was lost meanwhile).
   */
  async requestShutdown(): Promise<boolean> {
    const b = this.current;
    if (b.wantShutDown) return true;
    const value: RegistrationValue = { version: 1, brokerId: b.id, incarnationId: b.incarnationId, rack: b.rack, endPoints: b.endpoints, wantShutDown: true };
    const res = await this.client.kv.txn({
      compare: [
        { key: this.key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: String(b.epoch) },
        { key: this.key, target: CompareTarget.Lease, result: CompareResult.Equal, lease: this.session.leaseId },
      ],
      success: [{ request_put: { key: this.key, value: Buffer.from(JSON.stringify(value)), lease: this.session.leaseId } }],
    });
    if (res.succeeded) this.current = { ...b, wantShutDown: true };
    return res.succeeded;
  }

  /** Deletes the registration (if it is still this session's), for a clean shutdown that keeps the session. */
  async unregister(): Promise<void> {
    await this.client.kv.txn({
      compare: [{ key: this.key, target: CompareTarget.Lease, result: CompareResult.Equal, lease: this.session.leaseId }],
      success: [{ request_delete_range: { key: this.key } }],
    });
  }
}

/**
 * Resolves when `key` changes after `revision`, or after `maxWaitMs`; the
 * caller re-checks either way, so a missed event costs at most one wait.
 */
async function waitForChange(client: EtcdClient, key: Buffer, revision: number, maxWaitMs: number): Promise<void> {
  const watcher = client.watch({ key, start_revision: revision + 1 });
  let cancelledByEtcd = false;
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, maxWaitMs));
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      watcher.on('data', (res) => {
        if (res.events.length > 0) done();
      });
      watcher.on('error', () => {
        cancelledByEtcd = true; // the watch is over already
        done();
      });
    });
  } finally {
    if (!cancelledByEtcd) void watcher.cancel().catch(() => undefined);
  }
}
