/**
 * The partition change builder: Kafka's PartitionChangeBuilder rules, one
 * registration and one set of targets at a time.
 */
import { NO_LEADER_CHANGE } from './metadata/metadata-delta';
import type { PartitionRegistration } from './metadata/metadata-image';
import { buildPartitionChange, type PartitionChangeTargets } from './partition-change';

const TOPIC = '00000000-0000-0000-0000-0000000000aa';

function reg(over: Partial<PartitionRegistration>): PartitionRegistration {
  return { replicas: [1, 2, 3], isr: [1, 2, 3], removingReplicas: [], addingReplicas: [], leader: 1, leaderRecoveryState: 0, leaderEpoch: 5, partitionEpoch: 9, ...over };
}

const live = (...ids: number[]) => (id: number) => ids.includes(id);
const build = (p: PartitionRegistration, targets: PartitionChangeTargets, acceptable = live(1, 2, 3, 4)) => buildPartitionChange(p, TOPIC, 0, targets, acceptable);

test('nothing to change: no record', () => {
  expect(build(reg({}), {})).toBeNull();
  expect(build(reg({}), { isr: [1, 2, 3] })).toBeNull();
  // The current leader is valid: an online election keeps it.
  expect(build(reg({ leader: 2 }), { election: 'online' })).toBeNull();
});

test('an ISR change alone names no leader (no new leader epoch)', () => {
  expect(build(reg({}), { isr: [1, 2] })).toMatchObject({ isr: [1, 2], leader: NO_LEADER_CHANGE, replicas: null, addingReplicas: null, removingReplicas: null });
});

test('preferred: the first replica where it is in the ISR and live; else the current leader stays', () => {
  expect(build(reg({ leader: 2 }), { election: 'preferred' })).toMatchObject({ leader: 1, isr: null });
  expect(build(reg({ leader: 2, isr: [2, 3] }), { election: 'preferred' })).toBeNull();
  expect(build(reg({ leader: 2 }), { election: 'preferred' }, live(2, 3))).toBeNull();
  // Neither the preferred nor the current leader can lead: the next valid replica.
  expect(build(reg({ leader: 2 }), { election: 'preferred' }, live(3))).toMatchObject({ leader: 3 });
});

test('unclean: a live replica outside the ISR leads alone only when no ISR member can', () => {
  const leaderless = reg({ leader: -1, isr: [1] });
  expect(build(leaderless, { election: 'online' }, live(2, 3))).toBeNull();
  expect(build(leaderless, { election: 'unclean' }, live(2, 3))).toMatchObject({ leader: 2, isr: [2] });
  expect(build(leaderless, { election: 'unclean' }, live(1, 3))).toMatchObject({ leader: 1, isr: null });
  expect(build(leaderless, { election: 'unclean' }, live())).toBeNull();
});

test('a reassignment completes only when the ISR holds every target replica; a broker leaving bumps the leader epoch', () => {
  const moving = reg({ replicas: [2, 3, 1], addingReplicas: [3], removingReplicas: [1], isr: [1, 2], leader: 2 });
  expect(build(moving, { isr: [1, 2] })).toBeNull();
  // 3 in sync: done; 1 leaves replicas and ISR; the leader (2) is named again so its epoch moves on.
  expect(build(moving, { isr: [1, 2, 3] })).toMatchObject({ replicas: [2, 3], isr: [2, 3], addingReplicas: [], removingReplicas: [], leader: 2 });
  // The leader was the one removed: the first target replica in the ISR leads.
  expect(build({ ...moving, leader: 1 }, { isr: [1, 2, 3] })).toMatchObject({ replicas: [2, 3], isr: [2, 3], leader: 2 });
  // Only removals: complete at once (the ISR minus the removed ones is not empty).
  expect(build(reg({}), { replicas: [2, 3, 1], removing: [1] })).toMatchObject({ replicas: [2, 3], isr: [2, 3], leader: 2, removingReplicas: null, addingReplicas: null });
});
