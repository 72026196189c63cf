/**
 * Partition reassignment (KIP-455), as Kafka's KRaft controller runs it:
 * the whole state lives in the partition's registration in the metadata
 * (replicas, addingReplicas, removingReplicas), so it survives a controller
 * change and every broker sees it.
 *
 * A reassignment to target replicas T of a partition with replicas C:
 * 1. One PartitionChangeRecord makes the replicas T followed by C − T (the
 *    ones being removed), with addingReplicas = T − C and removingReplicas =
 *    C − T. The new replicas open their logs and fetch from the leader like
 *    any follower; the old ones keep serving meanwhile.
 * 2. Each new replica joins the ISR when its leader sees it caught up
 *    (AlterPartition). Once the ISR holds every replica of T, the change
 *    that adds the last one also completes the reassignment
 *    (partition-change.ts): replicas T, the ISR without the removed ones,
 *    adding/removing cleared, a new leader from T if the leader was being
 *    removed, and a new leader epoch because replicas left. The removed
 *    brokers delete their logs when they see the record. A reassignment
 *    that only removes or reorders replicas completes at once.
 * Cancelling (null replicas) goes back to the original replicas (the
 * current ones minus those being added): the ISR loses the added ones, and
 * the leader moves if it was one of them. When only added replicas are in
 * sync, reverting needs an unclean election and is refused unless the
 * topic allows one.
 *
 * Errors (per partition, Kafka's messages): UNKNOWN_TOPIC_OR_PARTITION;
 * INVALID_REPLICA_ASSIGNMENT for an empty list, a broker named twice, an
 * unregistered broker, or a revert that would be unclean;
 * NO_REASSIGNMENT_IN_PROGRESS for a cancel with nothing to cancel. Weir
 * also answers a partition named twice in one request INVALID_REQUEST (the
 * first one stands), where Kafka would write both.
 */
import { ErrorCode } from '../protocol/errors';
import { activeBrokers } from './leader-election-control';
import type { MetadataImage, PartitionRegistration } from './metadata/metadata-image';
import type { MetadataRecord } from './metadata/metadata-record';
import { buildPartitionChange, isReassigning, type PartitionChangeTargets } from './partition-change';

export interface ReassignmentRequest {
  topic: string;
  /** replicas null: cancel the partition's reassignment. */
  partitions: readonly { partition: number; replicas: readonly number[] | null }[];
}

export interface ReassignmentResult {
  topic: string;
  partitions: { partition: number; errorCode: ErrorCode; errorMessage: string | null }[];
}

export interface OngoingReassignment {
  topic: string;
  partitions: { partition: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }[];
}

interface Outcome<T> {
  records: MetadataRecord[];
  result: T;
}

class ReassignmentError extends Error {
  constructor(
    readonly errorCode: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * AlterPartitionReassignments: every valid partition's change in one
 * commit. `uncleanAllowed` says whether a topic has
 * unclean.leader.election.enable.
 */
export function alterReassignmentsOutcome(
  image: MetadataImage,
  requests: readonly ReassignmentRequest[],
  uncleanAllowed: (topic: string) => boolean,
): Outcome<ReassignmentResult[]> {
  const records: MetadataRecord[] = [];
  const seen = new Set<string>();
  const result = requests.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map(({ partition, replicas }) => {
      const key = `${t.topic}\u0000${partition}`;
      if (seen.has(key)) return { partition, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate partition ${t.topic}:${partition} in the request.` };
      seen.add(key);
      try {
        const record = reassignOne(image, t.topic, partition, replicas, uncleanAllowed);
        if (record) records.push(record);
        return { partition, errorCode: ErrorCode.NONE, errorMessage: null };
      } catch (err) {
        if (!(err instanceof ReassignmentError)) throw err;
        return { partition, errorCode: err.errorCode, errorMessage: err.message };
      }
    }),
  }));
  return { records, result };
}

function reassignOne(
  image: MetadataImage,
  topic: string,
  partition: number,
  target: readonly number[] | null,
  uncleanAllowed: (topic: string) => boolean,
): MetadataRecord | null {
  const t = image.topics.get(topic);
  if (!t) throw new ReassignmentError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find a topic named ${topic}.`);
  const p = t.partitions.get(partition);
  if (!p) throw new ReassignmentError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${topic}:${partition}.`);
  const targets = target === null ? revertTargets(p, topic, partition, uncleanAllowed(topic)) : changeTargets(image, p, target);
  const record = buildPartitionChange(p, t.id, partition, targets, activeBrokers(image));
  return record && { type: 'PartitionChangeRecord', data: record };
}

/** Kafka's changePartitionReassignment: the targets toward `target` (PartitionReassignmentReplicas). */
function changeTargets(image: MetadataImage, p: PartitionRegistration, target: readonly number[]): PartitionChangeTargets {
  checkAssignment(image, target);
  const removing = p.replicas.filter((id) => !target.includes(id)).sort((a, b) => a - b);
  const adding = target.filter((id) => !p.replicas.includes(id)).sort((a, b) => a - b);
  const replicas = [...target, ...removing];
  const targets: PartitionChangeTargets = {};
  if (!sameList(replicas, p.replicas)) targets.replicas = replicas;
  // As Kafka: an empty side leaves what a reassignment in progress had there.
  if (removing.length > 0) targets.removing = removing;
  if (adding.length > 0) targets.adding = adding;
  return targets;
}

/** Kafka's cancelPartitionReassignment / PartitionReassignmentRevert. */
function revertTargets(p: PartitionRegistration, topic: string, partition: number, unclean: boolean): PartitionChangeTargets {
  if (!isReassigning(p)) throw new ReassignmentError(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, 'No partition reassignment is in progress.');
  const replicas = p.replicas.filter((id) => !p.addingReplicas.includes(id));
  let isr = p.isr.filter((id) => !p.addingReplicas.includes(id));
  if (isr.length === 0) {
    if (!unclean) {
      throw new ReassignmentError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Unable to revert partition assignment for ${topic}:${partition} because it would require an unclean leader election.`,
      );
    }
    isr = replicas.slice(0, 1);
  }
  return { replicas, isr, removing: [], adding: [], election: unclean ? 'unclean' : 'online' };
}

/** Kafka's validateManualPartitionAssignment. */
function checkAssignment(image: MetadataImage, replicas: readonly number[]): void {
  if (replicas.length === 0) throw new ReassignmentError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.');
  const sorted = [...replicas].sort((a, b) => a - b);
  sorted.forEach((id, i) => {
    if (!image.brokers.has(id)) {
      throw new ReassignmentError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${id}, but no such broker is registered.`);
    }
    if (i > 0 && sorted[i - 1] === id) {
      throw new ReassignmentError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes the broker ${id} more than once.`);
    }
  });
}

/** ListPartitionReassignments: the partitions being reassigned (of `wanted`, or all); unknown ones are left out. */
export function listReassignments(image: MetadataImage, wanted: readonly { topic: string; partitions: readonly number[] }[] | null): OngoingReassignment[] {
  const asked = wanted ?? image.topics.list().map((t) => ({ topic: t.name, partitions: [...t.partitions.keys()] }));
  const out: OngoingReassignment[] = [];
  for (const { topic, partitions } of asked) {
    const t = image.topics.get(topic);
    if (!t) continue;
    const ongoing = partitions.flatMap((partition) => {
      const p = t.partitions.get(partition);
      if (!p || !isReassigning(p)) return [];
      return [{ partition, replicas: [...p.replicas], addingReplicas: [...p.addingReplicas], removingReplicas: [...p.removingReplicas] }];
    });
    if (ongoing.length > 0) out.push({ topic, partitions: ongoing });
  }
  return out;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
