/**
 * The `uniform` server assignor (Kafka's default): every subscribed
 * partition goes to exactly one subscribed member, partition counts differ
 * by at most one wherever the subscriptions allow it, and partitions stay
 * with their previous owner as far as balance permits (sticky), so a
 * membership change moves as few partitions as possible.
 *
 * Works for identical and differing subscriptions alike: keep what is still
 * valid, give each unowned partition to the least loaded eligible member,
 * then move partitions from the most to the least loaded eligible member
 * until no move makes the spread smaller. (Kafka's own implementation is
 * more elaborate; the result has the same properties.)
 */
import type { AssignmentSpec, ServerAssignor } from './server-assignor';
import { type TopicPartitionSet, addPartition } from './topic-partitions';

interface Slot {
  topicId: string;
  partition: number;
}

export const uniformAssignor: ServerAssignor = {
  name: 'uniform',
  assign(spec: AssignmentSpec): Map<string, TopicPartitionSet> {
    const owner = new Map<string, string>(); // "topicId:partition" -> memberId
    const load = new Map<string, number>(spec.members.map((m) => [m.memberId, 0]));
    const eligible = new Map<string, string[]>(); // topicId -> member ids subscribed, sorted
    for (const topicId of [...spec.partitionCounts.keys()].sort()) {
      eligible.set(topicId, spec.members.filter((m) => m.subscribedTopicIds.has(topicId)).map((m) => m.memberId));
    }
    const key = (s: Slot) => `${s.topicId}:${s.partition}`;
    const slots: Slot[] = [];
    for (const [topicId, count] of [...spec.partitionCounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if ((eligible.get(topicId) ?? []).length === 0) continue;
      for (let p = 0; p < count; p++) slots.push({ topicId, partition: p });
    }
    // Upper bound a member may keep from before: its fair share, rounded up.
    const fairShare = spec.members.length === 0 ? 0 : Math.ceil(slots.length / spec.members.length);

    // 1. Stickiness: keep previous partitions that are still valid, up to the fair share.
    for (const m of spec.members) {
      for (const [topicId, parts] of m.previousTarget) {
        if (!m.subscribedTopicIds.has(topicId)) continue;
        const count = spec.partitionCounts.get(topicId) ?? 0;
        for (const p of [...parts].sort((a, b) => a - b)) {
          const k = key({ topicId, partition: p });
          if (p >= count || owner.has(k) || (load.get(m.memberId) ?? 0) >= fairShare) continue;
          owner.set(k, m.memberId);
          load.set(m.memberId, (load.get(m.memberId) ?? 0) + 1);
        }
      }
    }
    const leastLoaded = (candidates: readonly string[]): string | undefined => {
      let best: string | undefined;
      for (const c of candidates) if (best === undefined || (load.get(c) ?? 0) < (load.get(best) ?? 0)) best = c;
      return best;
    };
    // 2. Every unowned partition to the least loaded eligible member.
    for (const s of slots) {
      if (owner.has(key(s))) continue;
      const m = leastLoaded(eligible.get(s.topicId) ?? []);
      if (m === undefined) continue;
      owner.set(key(s), m);
      load.set(m, (load.get(m) ?? 0) + 1);
    }
    // 3. Balance: a move from a member to an eligible one with at least two fewer strictly lowers the spread.
    for (let moved = true; moved; ) {
      moved = false;
      for (const s of slots) {
        const from = owner.get(key(s));
        if (from === undefined) continue;
        const to = leastLoaded(eligible.get(s.topicId) ?? []);
        if (to === undefined || (load.get(from) ?? 0) - (load.get(to) ?? 0) < 2) continue;
        owner.set(key(s), to);
        load.set(from, (load.get(from) ?? 0) - 1);
        load.set(to, (load.get(to) ?? 0) + 1);
        moved = true;
      }
    }
    const out = new Map<string, TopicPartitionSet>(spec.members.map((m) => [m.memberId, new Map()]));
    for (const s of slots) {
      const m = owner.get(key(s));
      const target = m === undefined ? undefined : out.get(m);
      if (target) addPartition(target, s.topicId, s.partition);
    }
    return out;
  },
};
