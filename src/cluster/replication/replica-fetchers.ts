/**
 * The fetchers of one follower broker, one per leader it follows (Kafka's
 * ReplicaFetcherManager). The replica manager tells it, from the metadata,
 * which leader each follower partition has now; a partition moves to the
 * new leader's fetcher (starting with truncation) and a fetcher left with
 * nothing to follow stops.
 */
import type { Partition } from '../partition';
import { ReplicaFetcher, type ReplicaFetcherDeps } from './replica-fetcher';

export class ReplicaFetchers {
  private readonly byLeader = new Map<number, ReplicaFetcher>();
  private readonly leaderOf = new Map<string, number>();
  private closed = false;

  constructor(private readonly deps: ReplicaFetcherDeps) {}

  /** Follows the partition's current leader (none: stops following it). */
  follow(key: string, partition: Partition): void {
    if (this.closed) return;
    const leaderId = partition.leaderId;
    if (leaderId < 0 || partition.isLeader) return this.unfollow(key);
    const previous = this.leaderOf.get(key);
    if (previous !== undefined && previous !== leaderId) this.unfollow(key);
    let fetcher = this.byLeader.get(leaderId);
    if (!fetcher) this.byLeader.set(leaderId, (fetcher = new ReplicaFetcher(leaderId, this.deps)));
    this.leaderOf.set(key, leaderId);
    fetcher.follow(key, partition);
  }

  unfollow(key: string): void {
    const leaderId = this.leaderOf.get(key);
    if (leaderId === undefined) return;
    this.leaderOf.delete(key);
    const fetcher = this.byLeader.get(leaderId);
    if (!fetcher) return;
    fetcher.unfollow(key);
    if (fetcher.isEmpty) {
      this.byLeader.delete(leaderId);
      fetcher.stop();
    }
  }

  /** The leader each followed partition is fetched from (tests, metrics). */
  get followedLeaders(): ReadonlyMap<string, number> {
    return this.leaderOf;
  }

  async close(): Promise<void> {
    this.closed = true;
    const fetchers = [...this.byLeader.values()];
    this.byLeader.clear();
    this.leaderOf.clear();
    for (const f of fetchers) f.stop();
    await Promise.all(fetchers.map((f) => f.done));
  }
}
