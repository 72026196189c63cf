/**
 * Which broker is the controller, and this broker's candidacy.
 *
 * Every broker may stand (as every ZooKeeper-mode Kafka broker could become
 * the controller). A candidacy is the key `controller/<lease id>`, attached
 * to the candidate's session lease, holding its node id. The controller is
 * the candidate whose key has the lowest create revision: the oldest
 * standing candidacy. When it dies (its lease expires) or resigns (deletes
 * its key), the next oldest is controller from that revision on; nobody
 * needs to act for the succession to happen, and every broker derives the
 * same answer from the same revision of etcd. This is etcd's own election
 * recipe (concurrency.Election: lowest create revision wins), written here
 * because the candidacy must live on the broker's session lease, the
 * winner's fencing token is needed by the metadata store, and every broker,
 * candidate or not, needs to know who won.
 *
 * The winner's token (controller-fence.ts) is its key and create revision;
 * metadata commits compare it, so a controller that has lost its lease but
 * has not heard yet can never write. The create revision doubles as the
 * controller epoch.
 *
 * `controllerId` (-1 when there is none, Kafka's "no controller") is what
 * Metadata and DescribeCluster report. It is this broker's view at the
 * revision it has seen; while etcd is unreachable it stays as it was.
 *
 * Events: onControllerChange on every change of controller (any broker);
 * onElected when this broker becomes the controller, onResigned when it
 * stops (its key was deleted, its session was lost or closed, or it
 * resigned). If its key is deleted while its session still stands (someone
 * removed it), it stands again, at the back of the line.
 */
import { CompareResult, CompareTarget, type IEvent, type IKeyValue } from './etcd-messages';
import type { Logger } from '../../logger';
import type { ControllerFence } from './controller-fence';
import { describeEtcdError, type EtcdClient, isLeaseNotFoundError } from './etcd-client';
import type { EtcdKeys } from './etcd-keys';
import { prefixRangeEnd } from './etcd-keys';
import { readRange } from './etcd-range';
import type { EtcdSession } from './etcd-session';
import { PrefixWatch } from './prefix-watch';

/** Kafka's controller id when there is no controller. */
export const NO_CONTROLLER = -1;

interface Candidate {
  readonly key: string;
  readonly nodeId: number;
  readonly createRevision: number;
}

export interface ControllerElectionOptions {
  readonly client: EtcdClient;
  readonly keys: EtcdKeys;
  /** This broker's node.id. */
  readonly nodeId: number;
  /** The session to stand on; null to only observe. */
  readonly session: EtcdSession | null;
  readonly log?: Logger | null;
}

export type ControllerChangeListener = (controllerId: number, epoch: number) => void;
export type FenceListener = (fence: ControllerFence) => void;

export class ControllerElection {
  private readonly client: EtcdClient;
  private readonly keys: EtcdKeys;
  private readonly log: Logger | null;
  private readonly candidates = new Map<string, Candidate>();
  private controller: Candidate | null = null;
  private ownFence: ControllerFence | null = null;
  /** Our candidacy key while we stand. */
  private ownKey: Buffer | null = null;
  private standing = false;
  private watch: PrefixWatch | null = null;
  private unsubscribeSession: (() => void) | null = null;
  private readonly changeListeners = new Set<ControllerChangeListener>();
  private readonly electedListeners = new Set<FenceListener>();
  private readonly resignedListeners = new Set<FenceListener>();

  private constructor(private readonly options: ControllerElectionOptions) {
    this.client = options.client;
    this.keys = options.keys;
    this.log = options.log ?? null;
  }

  /**
   * Reads the candidates and follows them; with a session, stands too.
   * Add listeners before `stand()` to hear of an election that happens at once.
   */
  static async start(options: ControllerElectionOptions): Promise<ControllerElection> {
    const election = new ControllerElection(options);
    const prefix = options.keys.controllerCandidates;
    election.watch = await PrefixWatch.start(options.client, {
      name: 'controller election',
      prefix,
      log: election.log,
      load: async () => {
        const read = await readRange(options.client, prefix, prefixRangeEnd(prefix));
        election.candidates.clear();
        for (const kv of read.kvs) election.put(kv);
        election.settle();
        return read.revision;
      },
      onEvents: (events) => election.apply(events),
    });
    return election;
  }

  /** The controller's node id as this broker last saw it; -1 when none. */
  get controllerId(): number {
    return this.controller?.nodeId ?? NO_CONTROLLER;
  }

  /** The controller epoch (its candidacy's create revision); -1 when none. */
  get controllerEpoch(): number {
    return this.controller?.createRevision ?? -1;
  }

  /** This broker's fencing token while it is the controller, else null. */
  get fence(): ControllerFence | null {
    return this.ownFence;
  }

  isController(): boolean {
    return this.ownFence !== null;
  }

  onControllerChange(listener: ControllerChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onElected(listener: FenceListener): () => void {
    this.electedListeners.add(listener);
    return () => this.electedListeners.delete(listener);
  }

  onResigned(listener: FenceListener): () => void {
    this.resignedListeners.add(listener);
    return () => this.resignedListeners.delete(listener);
  }

  /** Stands for controller on the session (once; a no-op when already standing). */
  async stand(): Promise<void> {
    const session = this.options.session;
    if (!session) throw new Error('an observing ControllerElection has no session to stand on');
    if (this.standing) return;
    this.standing = true;
    this.unsubscribeSession ??= session.onStateChange((state) => {
      if (state === 'lost' || state === 'closed') this.stepDown(`session ${state}`);
    });
    await this.createCandidacy();
  }

  /** Stops standing: deletes the candidacy (the next candidate takes over at once). */
  async resign(): Promise<void> {
    this.standing = false;
    const key = this.ownKey;
    this.stepDown('resigned');
    if (key) await this.client.kv.deleteRange({ key });
  }

  async close(): Promise<void> {
    this.standing = false;
    this.unsubscribeSession?.();
    this.stepDown('closed');
    await this.watch?.close();
    this.changeListeners.clear();
    this.electedListeners.clear();
    this.resignedListeners.clear();
  }

  private async createCandidacy(): Promise<void> {
    const session = this.options.session!;
    const key = this.keys.controllerCandidate(session.leaseId);
    this.ownKey = key;
    try {
      // Create only: a key already there under this name is our own (an
      // earlier attempt whose answer was lost) and keeps its place.
      await this.client.kv.txn({
        compare: [{ key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
        success: [{ request_put: { key, value: Buffer.from(String(this.options.nodeId)), lease: session.leaseId } }],
      });
    } catch (err) {
      if (isLeaseNotFoundError(err)) session.markLost('etcd refused the controller candidacy: lease not found');
      throw err;
    }
    this.log?.info({ nodeId: this.options.nodeId, leaseId: session.leaseId }, 'standing for controller');
  }

  private put(kv: IKeyValue): void {
    const nodeId = Number(kv.value.toString());
    if (!Number.isInteger(nodeId)) {
      this.log?.warn({ key: kv.key.toString() }, 'ignoring a malformed controller candidacy in etcd');
      return;
    }
    this.candidates.set(kv.key.toString(), { key: kv.key.toString(), nodeId, createRevision: Number(kv.create_revision) });
  }

  private apply(events: readonly IEvent[]): void {
    let ownDeleted = false;
    for (const e of events) {
      if (e.type === 'Delete') {
        this.candidates.delete(e.kv.key.toString());
        if (this.ownKey && e.kv.key.equals(this.ownKey)) ownDeleted = true;
      } else {
        this.put(e.kv);
      }
    }
    this.settle();
    const session = this.options.session;
    if (ownDeleted && this.standing && session?.state !== 'lost' && session?.state !== 'closed') {
      this.log?.warn({ nodeId: this.options.nodeId }, 'controller candidacy deleted while the session stands; standing again');
      this.createCandidacy().catch((err: unknown) => this.log?.error({ err: describeEtcdError(err) }, 'could not stand for controller again'));
    }
  }

  /** Recomputes the controller and this broker's part in it; fires the listeners. */
  private settle(): void {
    let first: Candidate | null = null;
    for (const c of this.candidates.values()) if (!first || c.createRevision < first.createRevision) first = c;
    const before = this.controller;
    this.controller = first;
    if (before?.key !== first?.key || before?.createRevision !== first?.createRevision) {
      this.log?.info({ controllerId: this.controllerId, epoch: this.controllerEpoch }, 'controller changed');
      for (const l of [...this.changeListeners]) this.call(() => l(this.controllerId, this.controllerEpoch));
    }
    const mine = first !== null && this.ownKey !== null && this.standing && first.key === this.ownKey.toString();
    if (mine && this.ownFence?.epoch !== first!.createRevision) {
      if (this.ownFence) this.stepDown('candidacy replaced');
      const fence: ControllerFence = { nodeId: this.options.nodeId, key: this.ownKey!, epoch: first!.createRevision };
      this.ownFence = fence;
      this.log?.info({ nodeId: fence.nodeId, epoch: fence.epoch }, 'elected controller');
      for (const l of [...this.electedListeners]) this.call(() => l(fence));
    } else if (!mine && this.ownFence) {
      this.stepDown('another candidate is controller');
    }
  }

  private stepDown(reason: string): void {
    const fence = this.ownFence;
    if (!fence) return;
    this.ownFence = null;
    this.log?.info({ nodeId: fence.nodeId, epoch: fence.epoch, reason }, 'no longer controller');
    for (const l of [...this.resignedListeners]) this.call(() => l(fence));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log?.error({ err }, 'controller election listener failed');
    }
  }
}
