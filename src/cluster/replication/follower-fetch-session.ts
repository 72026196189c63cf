/**
 * A follower's incremental fetch session with one leader (KIP-227, the
 * client side of what the leader serves in fetch-session/): after one full
 * fetch naming every partition, each fetch names only the partitions whose
 * fetch position changed (the follower appended, its log start moved, the
 * leader epoch is new) and forgets those it no longer fetches; the leader
 * answers only partitions with something new (records, a moved high
 * watermark or log start, an error). A follower of thousands of idle
 * partitions then sends and receives almost nothing per long-poll, where a
 * sessionless fetch named, and the leader read, every one of them.
 *
 * The rules are Kafka's FetchSessionHandler's:
 * - no session: sessionId 0, epoch 0 (a full fetch asking for a session);
 *   the leader's answer names the new session (0: it had no room, so the
 *   next fetch is full again);
 * - in a session: its id and the next epoch (1, 2, ... wrapping past
 *   2^31-1 to 1);
 * - any failure (an error answer, a broken connection) ends the session on
 *   this side: the next fetch is full and starts a new one.
 * What the leader holds for the session changes only once it has answered.
 */

/** What one partition's fetch asks for, as the leader's session keeps it. */
export interface SessionPartition {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly currentLeaderEpoch: number;
  readonly fetchOffset: number;
  readonly logStartOffset: number;
  readonly maxBytes: number;
}

export interface SessionFetch {
  readonly sessionId: number;
  readonly sessionEpoch: number;
  /** The partitions to name: all of them in a full fetch, the new and changed ones otherwise. */
  readonly partitions: readonly SessionPartition[];
  /** Partitions the session held and this fetch no longer wants. */
  readonly forgotten: readonly { readonly topic: string; readonly topicId: string; readonly partition: number }[];
  /** What the session holds once the leader has answered: every wanted partition. */
  readonly next: ReadonlyMap<string, SessionPartition>;
}

const INITIAL_EPOCH = 0;

export function sessionKey(topicId: string, partition: number): string {
  return `${topicId}\u0000${partition}`;
}

export class FollowerFetchSession {
  private id = 0;
  private epoch = INITIAL_EPOCH;
  /** What the leader's session holds (as of its last answer). */
  private held: ReadonlyMap<string, SessionPartition> = new Map();

  /** The fetch for `wanted`, keyed by sessionKey. */
  build(wanted: ReadonlyMap<string, SessionPartition>): SessionFetch {
    if (this.id === 0) return { sessionId: 0, sessionEpoch: INITIAL_EPOCH, partitions: [...wanted.values()], forgotten: [], next: wanted };
    const partitions: SessionPartition[] = [];
    for (const [key, p] of wanted) {
      const before = this.held.get(key);
      if (!before || !samePosition(before, p)) partitions.push(p);
    }
    const forgotten = [...this.held].filter(([key]) => !wanted.has(key)).map(([, p]) => ({ topic: p.topic, topicId: p.topicId, partition: p.partition }));
    return { sessionId: this.id, sessionEpoch: this.epoch, partitions, forgotten, next: wanted };
  }

  /** The leader answered `sent` without a top-level error, naming `sessionId`. */
  answered(sent: SessionFetch, sessionId: number): void {
    if (sessionId === 0) {
      // No session (the leader had no room, or the session emptied and was dropped): the next fetch is full.
      this.reset();
      return;
    }
    this.epoch = sent.sessionId === 0 ? 1 : this.epoch >= 0x7fffffff ? 1 : this.epoch + 1;
    this.id = sessionId;
    this.held = sent.next;
  }

  /** A failed fetch: the next one is full and opens a new session. */
  reset(): void {
    this.id = 0;
    this.epoch = INITIAL_EPOCH;
    this.held = new Map();
  }

  get sessionId(): number {
    return this.id;
  }
}

function samePosition(a: SessionPartition, b: SessionPartition): boolean {
  return a.fetchOffset === b.fetchOffset && a.logStartOffset === b.logStartOffset && a.currentLeaderEpoch === b.currentLeaderEpoch && a.maxBytes === b.maxBytes;
}
