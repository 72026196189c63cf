/**
 * Consumer group administration: find a group's coordinator, list, describe
 * (members and their assigned partitions), committed offsets and lag, commit
 * offsets (reset-offsets), delete.
 *
 * Committing uses generation -1 and no member id: Kafka accepts such
 * "simple" commits only while the group has no active members, which is
 * exactly the rule for resetting a group's offsets.
 */
import { ErrorCode } from '../protocol/errors';
import { decodeMessage } from '../protocol/message-io';
import { ConsumerProtocolAssignmentCodec } from '../protocol/messages';
import { ClientApis } from './client-apis';
import type { KafkaClient } from './client';
import { KafkaResponseError } from './errors';
import { listOffsets } from './offsets';

const RETRIABLE_COORDINATOR_ERRORS: ReadonlySet<number> = new Set([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR]);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The node id of the group's coordinator; retries while the coordinator is loading. */
export async function findCoordinator(client: KafkaClient, group: string): Promise<number> {
  const api = ClientApis.FindCoordinator;
  for (let attempt = 0; ; attempt++) {
    const res = await client.send('any', api, (v) => ({
      ...api.request.defaults(),
      // v4+ batches keys in coordinatorKeys; earlier versions take one key.
      key: v >= 4 ? '' : group,
      keyType: 0,
      coordinatorKeys: v >= 4 ? [group] : [],
    }));
    const c = res.coordinators[0];
    const errorCode = c ? c.errorCode : res.errorCode;
    const nodeId = c ? c.nodeId : res.nodeId;
    if (errorCode === ErrorCode.NONE) return nodeId;
    if (!RETRIABLE_COORDINATOR_ERRORS.has(errorCode) || attempt >= 20) {
      throw new KafkaResponseError(errorCode, `finding the coordinator of group '${group}'`, c ? c.errorMessage : res.errorMessage);
    }
    await sleep(100 * Math.min(attempt + 1, 5));
  }
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: string;
}

/** Every group on every broker, sorted by id. */
export async function listGroups(client: KafkaClient): Promise<ListedGroup[]> {
  const md = await client.metadata([]);
  const api = ClientApis.ListGroups;
  const nodes = md.brokers.size > 0 ? [...md.brokers.keys()] : ['any' as const];
  const all = await Promise.all(
    nodes.map(async (node) => {
      const res = await client.send(node, api, () => api.request.defaults());
      if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, 'listing groups');
      return res.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState }));
    }),
  );
  return all.flat().sort((a, b) => a.groupId.localeCompare(b.groupId));
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** topic -> partitions, from the consumer protocol assignment (empty for other protocols). */
  assignment: Map<string, number[]>;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMember[];
}

export async function describeGroup(client: KafkaClient, group: string): Promise<GroupDescription> {
  const coordinator = await findCoordinator(client, group);
  const api = ClientApis.DescribeGroups;
  const res = await client.send(coordinator, api, () => ({ groups: [group], includeAuthorizedOperations: false }));
  const g = res.groups[0];
  if (!g) throw new Error('DescribeGroups: empty answer');
  if (g.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(g.errorCode, `describing group '${group}'`);
  return {
    groupId: g.groupId,
    state: g.groupState,
    protocolType: g.protocolType,
    protocol: g.protocolData,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment: g.protocolType === 'consumer' ? decodeAssignment(m.memberAssignment) : new Map(),
    })),
  };
}

/** A consumer-protocol assignment: int16 version, then the versioned body. */
function decodeAssignment(bytes: Buffer): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (bytes.length < 2) return out;
  try {
    const version = Math.min(bytes.readInt16BE(0), ConsumerProtocolAssignmentCodec.maxVersion);
    const a = decodeMessage(ConsumerProtocolAssignmentCodec, bytes.subarray(2), version);
    for (const tp of a.assignedPartitions) out.set(tp.topic, [...tp.partitions].sort((x, y) => x - y));
  } catch {
    // A newer version may carry fields we do not know; an assignment we
    // cannot read is shown as empty rather than failing the whole describe.
  }
  return out;
}

/** Committed offsets: topic -> partition -> offset (-1 when none). Every topic when `topics` is null. */
export async function fetchGroupOffsets(client: KafkaClient, group: string, topics: string[] | null = null): Promise<Map<string, Map<number, bigint>>> {
  const coordinator = await findCoordinator(client, group);
  const api = ClientApis.OffsetFetch;
  // Asking for specific topics needs their partitions.
  let requested: { name: string; partitionIndexes: number[] }[] | null = null;
  if (topics !== null) {
    const md = await client.metadata(topics);
    requested = topics.map((name) => ({ name, partitionIndexes: (md.topics.get(name)?.partitions ?? []).map((p) => p.partition) }));
  }
  const res = await client.send(coordinator, api, (v) => ({
    ...api.request.defaults(),
    // v8+ batches groups; earlier versions name one group at the top level.
    groupId: v >= 8 ? '' : group,
    topics: v >= 8 ? [] : requested,
    groups: v >= 8 ? [{ groupId: group, memberId: null, memberEpoch: -1, topics: requested }] : [],
  }));
  const out = new Map<string, Map<number, bigint>>();
  const g = res.groups[0];
  const errorCode = g ? g.errorCode : res.errorCode;
  if (errorCode !== ErrorCode.NONE) throw new KafkaResponseError(errorCode, `fetching the offsets of group '${group}'`);
  for (const t of g ? g.topics : res.topics) {
    const m = new Map<number, bigint>();
    for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(p.errorCode, `fetching the offset of ${t.name}[${p.partitionIndex}] for group '${group}'`);
      m.set(p.partitionIndex, p.committedOffset);
    }
    out.set(t.name, m);
  }
  return out;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: bigint;
}

/** Commits offsets as an admin (no member): only allowed while the group has no active members. */
export async function commitGroupOffsets(client: KafkaClient, group: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
  const coordinator = await findCoordinator(client, group);
  const api = ClientApis.OffsetCommit;
  const byTopic = new Map<string, TopicPartitionOffset[]>();
  for (const o of offsets) {
    let list = byTopic.get(o.topic);
    if (!list) byTopic.set(o.topic, (list = []));
    list.push(o);
  }
  const res = await client.send(coordinator, api, () => ({
    ...api.request.defaults(),
    groupId: group,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    topics: [...byTopic].map(([name, list]) => ({
      name,
      partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' })),
    })),
  }));
  for (const t of res.topics) {
    for (const p of t.partitions) {
      if (p.errorCode === ErrorCode.NONE) continue;
      const hint = p.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || p.errorCode === ErrorCode.ILLEGAL_GENERATION || p.errorCode === ErrorCode.REBALANCE_IN_PROGRESS
        ? 'the group has active members; stop its consumers first'
        : null;
      throw new KafkaResponseError(p.errorCode, `committing ${t.name}[${p.partitionIndex}] for group '${group}'`, hint);
    }
  }
}

export async function deleteGroups(client: KafkaClient, groups: readonly string[]): Promise<void> {
  const api = ClientApis.DeleteGroups;
  for (const group of groups) {
    const coordinator = await findCoordinator(client, group);
    const res = await client.send(coordinator, api, () => ({ groupsNames: [group] }));
    for (const r of res.results) {
      if (r.errorCode !== ErrorCode.NONE) {
        const hint = r.errorCode === ErrorCode.NON_EMPTY_GROUP ? 'the group has active members' : null;
        throw new KafkaResponseError(r.errorCode, `deleting group '${r.groupId}'`, hint);
      }
    }
  }
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** -1 when the group has committed nothing for the partition. */
  committed: bigint;
  logEndOffset: bigint;
  /** logEndOffset - committed, or null when nothing is committed. */
  lag: bigint | null;
  /** The member assigned the partition, when the group is consuming. */
  memberId: string | null;
  clientId: string | null;
}

/** Per partition: committed offset, log end offset, lag and owner. */
export async function groupLag(client: KafkaClient, group: string, description?: GroupDescription): Promise<PartitionLag[]> {
  const desc = description ?? (await describeGroup(client, group));
  const committed = await fetchGroupOffsets(client, group);
  const owners = new Map<string, GroupMember>();
  for (const m of desc.members) for (const [topic, parts] of m.assignment) for (const p of parts) owners.set(`${topic}\u0000${p}`, m);
  // Every partition that has a commit or an owner.
  const topics = new Set<string>([...committed.keys(), ...desc.members.flatMap((m) => [...m.assignment.keys()])]);
  const rows: PartitionLag[] = [];
  for (const topic of [...topics].sort()) {
    let ends: Map<number, bigint>;
    try {
      ends = await listOffsets(client, topic, 'latest');
    } catch (err) {
      if (err instanceof KafkaResponseError && err.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue; // deleted topic
      throw err;
    }
    const parts = new Set<number>([...(committed.get(topic)?.keys() ?? [])]);
    for (const key of owners.keys()) if (key.startsWith(`${topic}\u0000`)) parts.add(Number(key.slice(topic.length + 1)));
    for (const partition of [...parts].sort((a, b) => a - b)) {
      const c = committed.get(topic)?.get(partition) ?? -1n;
      const end = ends.get(partition) ?? -1n;
      const owner = owners.get(`${topic}\u0000${partition}`);
      rows.push({
        topic,
        partition,
        committed: c,
        logEndOffset: end,
        lag: c >= 0n && end >= 0n ? (end > c ? end - c : 0n) : null,
        memberId: owner?.memberId ?? null,
        clientId: owner?.clientId ?? null,
      });
    }
  }
  return rows;
}
