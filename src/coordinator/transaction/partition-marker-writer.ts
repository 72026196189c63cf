/**
 * Writes transaction markers into partitions this broker leads: the work of
 * WriteTxnMarkers on a partition leader (Kafka's handleWriteTxnMarkersRequest),
 * done for the inter-broker request and for the coordinator's own partitions
 * alike (the marker channel sends those here without the network hop).
 *
 * Each marker is a control batch appended as the leader with acks=all, so a
 * partition answers once the marker is replicated (NOT_ENOUGH_REPLICAS and
 * the like go back to the coordinator, which retries). A marker for a
 * `__consumer_offsets` partition then tells the group coordinator, which
 * turns the producer's pending transactional offsets into committed ones (or
 * drops them).
 */
import { ErrorCode } from '../../protocol/errors';
import { ControlRecordType, encodeEndTxnMarkerBatch } from '../../protocol/records';
import type { AppendEntry, AppendOutcome, AppendParams } from '../../cluster/replica-manager';
import type { GroupCoordinator } from '../group/group-coordinator';
import { OFFSETS_TOPIC } from '../group/offsets-topic';
import type { TransactionMarkerEntry } from './transaction-marker-channel';

export interface PartitionMarkerWriterOptions {
  /** The replica manager: markers are appended as the partitions' leader. */
  replicas: { appendRecords(params: AppendParams, entries: readonly AppendEntry[], now: number): AppendOutcome[] | Promise<AppendOutcome[]> };
  groups: Pick<GroupCoordinator, 'completeTransaction'>;
  /** How long a marker may wait for its replication (`request.timeout.ms`, as Kafka's handler). */
  timeoutMs: number;
  now: () => number;
}

/** Writes each entry's marker into its partitions; per entry, per partition error codes, in order. */
export async function writeMarkersAsLeader(o: PartitionMarkerWriterOptions, entries: readonly TransactionMarkerEntry[]): Promise<ErrorCode[][]> {
  return Promise.all(entries.map((entry) => writeEntry(o, entry)));
}

async function writeEntry(o: PartitionMarkerWriterOptions, entry: TransactionMarkerEntry): Promise<ErrorCode[]> {
  if (entry.partitions.length === 0) return [];
  const now = o.now();
  const batch = encodeEndTxnMarkerBatch(entry.commit ? ControlRecordType.Commit : ControlRecordType.Abort, {
    producerId: BigInt(entry.producerId),
    producerEpoch: entry.producerEpoch,
    coordinatorEpoch: entry.coordinatorEpoch,
    timestamp: BigInt(now),
  });
  let outcomes: AppendOutcome[];
  try {
    // One batch per partition: the log writes its offsets into the buffer it is given.
    const appends = entry.partitions.map((p): AppendEntry => ({ topic: p.topic, partition: p.partition, records: Buffer.from(batch) }));
    outcomes = await o.replicas.appendRecords({ requiredAcks: -1, timeoutMs: o.timeoutMs, origin: 'coordinator' }, appends, now);
  } catch {
    // A log closed under us (shutdown): the coordinator tries again.
    return entry.partitions.map(() => ErrorCode.NOT_LEADER_OR_FOLLOWER);
  }
  const codes = outcomes.map((r) => r.errorCode);
  const offsetsWritten = entry.partitions.some((p, i) => p.topic === OFFSETS_TOPIC && codes[i] === ErrorCode.NONE);
  if (offsetsWritten) o.groups.completeTransaction(entry.producerId, entry.commit);
  return codes;
}
