/**
 * Follows a range of etcd keys: a consistent read, then every change after
 * it, in revision order, for as long as the process runs, whatever etcd
 * does in between. Every follower of etcd state in Weir (the metadata
 * store, the broker registry, the controller election) is one of these.
 *
 * How it survives:
 * - the watch stream breaks (etcd restarted, connection lost, etcd ended
 *   the call): the watch is re-created from the revision after the last
 *   event delivered, after a short backoff (100 ms doubling to 1 s), so no
 *   event is lost or delivered twice. (Resuming from the revision in the
 *   last response header would not do: during a catch-up it can be ahead of
 *   the events actually sent.)
 * - etcd no longer has that revision (compacted), or cancels the watch for
 *   any other reason: the caller's `load` reads the whole state again at
 *   the current revision, and the watch restarts after it. The caller
 *   replaces or diffs its state in `load`.
 * Events of one revision (one transaction) always arrive together: etcd
 * never splits a revision across watch responses unless asked to fragment.
 */
import { FilterType, type IEvent, type IWatchResponse } from './etcd-messages';
import type { EtcdWatch } from './etcd-watch';
import type { Logger } from '../../logger';
import { describeEtcdError, type EtcdClient } from './etcd-client';
import { prefixRangeEnd } from './etcd-keys';

export interface PrefixWatchOptions {
  /** The keys followed: every key starting with `prefix`. */
  readonly prefix: Buffer;
  /**
   * Reads the current state (with reads pinned to one revision) and returns
   * that revision; called at start and whenever the history needed to
   * resume is gone. Retried on failure.
   */
  load(): Promise<number>;
  /** Changes after the loaded revision, in order; each call is one or more whole revisions. */
  onEvents(events: readonly IEvent[]): void;
  /** Skip delete events (etcd's NODELETE filter). */
  readonly putsOnly?: boolean;
  readonly log?: Logger | null;
  /** For log lines. */
  readonly name: string;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 1000;

export class PrefixWatch {
  private watcher: EtcdWatch | null = null;
  /** The revision of the last event delivered (or of the last load). */
  private revision = 0;
  private closed = false;
  private backoffMs = MIN_BACKOFF_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly log: Logger | null;

  private constructor(
    private readonly client: EtcdClient,
    private readonly options: PrefixWatchOptions,
  ) {
    this.log = options.log ?? null;
  }

  /** Loads (retrying until etcd answers) and starts following. */
  static async start(client: EtcdClient, options: PrefixWatchOptions): Promise<PrefixWatch> {
    const watch = new PrefixWatch(client, options);
    watch.revision = await options.load();
    watch.watchFrom(watch.revision + 1);
    return watch;
  }

  /** The revision everything delivered so far is current at. */
  get currentRevision(): number {
    return this.revision;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    // Cancelling waits for etcd to confirm; a frozen etcd never does, and
    // closing the client ends the stream anyway.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.dropWatcher(), new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
  }

  private watchFrom(startRevision: number): void {
    if (this.closed) return;
    const watcher = this.client.watch({
      key: this.options.prefix,
      range_end: prefixRangeEnd(this.options.prefix),
      start_revision: startRevision,
      ...(this.options.putsOnly ? { filters: [FilterType.Nodelete] } : {}),
    });
    this.watcher = watcher;
    watcher.on('connected', () => {
      this.backoffMs = MIN_BACKOFF_MS;
    });
    watcher.on('data', (res: IWatchResponse) => {
      if (this.watcher !== watcher) return;
      this.deliver(res.events);
    });
    watcher.on('disconnected', (err: Error) => {
      if (this.watcher !== watcher) return;
      this.log?.debug({ watch: this.options.name, err: describeEtcdError(err) }, 'etcd watch disconnected; resuming');
      void this.dropWatcher();
      this.retry(() => this.watchFrom(this.revision + 1));
    });
    watcher.on('error', (err: Error) => {
      if (this.watcher !== watcher) return;
      // A cancelled watch: its history was compacted away (or etcd gave up
      // on it for another reason). Read everything again.
      this.log?.info({ watch: this.options.name, err: describeEtcdError(err) }, 'etcd watch cancelled; reloading');
      // The watch is over already: nothing to cancel.
      this.watcher = null;
      this.retry(() => void this.reload());
    });
  }

  private deliver(events: readonly IEvent[]): void {
    // After a resume etcd may resend a revision already delivered: skip it.
    const fresh = events.filter((e) => Number(e.kv.mod_revision) > this.revision);
    if (fresh.length === 0) return;
    this.revision = Number(fresh[fresh.length - 1]!.kv.mod_revision);
    try {
      this.options.onEvents(fresh);
    } catch (err) {
      this.log?.error({ watch: this.options.name, err }, 'etcd watch handler failed; reloading');
      void this.dropWatcher();
      this.retry(() => void this.reload());
    }
  }

  private async reload(): Promise<void> {
    if (this.closed) return;
    try {
      const revision = await this.options.load();
      if (this.closed) return;
      this.revision = revision;
      this.watchFrom(revision + 1);
    } catch (err) {
      this.log?.debug({ watch: this.options.name, err: describeEtcdError(err) }, 'etcd reload failed; retrying');
      this.retry(() => void this.reload());
    }
  }

  private retry(task: () => void): void {
    if (this.closed) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const wait = this.backoffMs;
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      task();
    }, wait);
    this.retryTimer.unref();
  }

  private async dropWatcher(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = null;
    if (!watcher) return;
    try {
      await watcher.cancel();
    } catch {
      // the stream is gone already
    }
  }
}
