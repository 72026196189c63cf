import { RACK_AWARE_REPLICA_SELECTOR, type ReplicaView, preferredReadReplica, rackAwareReplicaSelector, replicaSelectorOf } from './replica-selector';

const view = (brokerId: number, rack: string | null, logEndOffset = 10, timeSinceLastCaughtUpMs = 0): ReplicaView => ({ brokerId, rack, logEndOffset, timeSinceLastCaughtUpMs });

describe("Kafka's RackAwareReplicaSelector", () => {
  const leader = view(1, 'a');
  const select = (rackId: string, replicas: ReplicaView[]) => rackAwareReplicaSelector.select({ rackId }, { leader, replicas: [leader, ...replicas] })?.brokerId;

  test('the replica in the client rack; the leader when it is there, or nothing is, or the client has no rack', () => {
    expect(select('b', [view(2, 'b'), view(3, 'c')])).toBe(2);
    expect(select('a', [view(2, 'a'), view(3, 'c')])).toBe(1);
    expect(select('z', [view(2, 'b')])).toBe(1);
    expect(select('', [view(2, 'b')])).toBe(1);
    expect(select('b', [view(2, null)])).toBe(1);
  });

  test('of several in the rack: the largest log end, then the most recently caught up, then the lowest id', () => {
    expect(select('b', [view(2, 'b', 8), view(3, 'b', 9)])).toBe(3);
    expect(select('b', [view(2, 'b', 9, 500), view(3, 'b', 9, 100)])).toBe(3);
    expect(select('b', [view(3, 'b', 9, 100), view(2, 'b', 9, 100)])).toBe(2);
  });
});

describe('the preferred read replica of a partition (Kafka findPreferredReadReplica)', () => {
  const leader = view(1, 'a', 10);
  const follower = (over: Partial<ReplicaView & { inIsr: boolean; logStartOffset: number; reachable: boolean }> = {}) => ({
    ...view(2, 'b', 10),
    inIsr: true,
    logStartOffset: 0,
    reachable: true,
    ...over,
  });
  const pick = (f: ReturnType<typeof follower>, fetchOffset = 5) => preferredReadReplica(rackAwareReplicaSelector, { rackId: 'b' }, leader, [f], fetchOffset);

  test('a follower that can serve the offset', () => {
    expect(pick(follower())).toBe(2);
    expect(pick(follower(), 10)).toBe(2);
  });

  test('none that is out of the ISR, behind the offset, past it at its log start, or unreachable on the client listener', () => {
    expect(pick(follower({ inIsr: false }))).toBe(-1);
    expect(pick(follower({ logEndOffset: 4 }))).toBe(-1);
    expect(pick(follower({ logStartOffset: 6 }))).toBe(-1);
    expect(pick(follower({ reachable: false }))).toBe(-1);
  });
});

test('replica.selector.class: unset is none (the leader); Kafka\'s rack-aware class name is known; others are refused', () => {
  expect(replicaSelectorOf(null)).toBeNull();
  expect(replicaSelectorOf('')).toBeNull();
  expect(replicaSelectorOf(RACK_AWARE_REPLICA_SELECTOR)).toBe(rackAwareReplicaSelector);
  expect(() => replicaSelectorOf('com.example.MySelector')).toThrow(/not available/);
});
