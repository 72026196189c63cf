/**
 * `weir group list|describe|reset-offsets|delete`, in the spirit of
 * kafka-consumer-groups.sh: describe shows per partition the committed
 * offset, the log end offset and the lag.
 */
import {
  KafkaClient,
  OffsetSpec,
  TopicPartitionOffset,
  commitGroupOffsets,
  deleteGroups,
  describeGroup,
  fetchGroupOffsets,
  groupLag,
  listGroups,
  listOffsets,
} from '../../client';
import { BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, ParsedArgs, UsageError } from '../args';
import { Command, commandGroup, requirePositionals, withClient } from '../command';
import { formatTable } from '../table';

const list = {
  name: 'list',
  spec: { usage: 'weir group list [options]', summary: 'list consumer groups and their states', options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION] },
  async run(args: ParsedArgs) {
    requirePositionals(args, [], 'group list');
    const groups = await withClient(args, listGroups);
    process.stdout.write(formatTable(['GROUP', 'STATE', 'PROTOCOL-TYPE'], groups.map((g) => [g.groupId, g.state || '-', g.protocolType || '-'])));
  },
};

const describe = {
  name: 'describe',
  spec: {
    usage: 'weir group describe GROUP [options]',
    summary: 'members, and per partition the committed offset, log end offset and lag',
    options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION],
  },
  async run(args: ParsedArgs) {
    const [group] = requirePositionals(args, ['GROUP'], 'group describe');
    const text = await withClient(args, async (client) => {
      const desc = await describeGroup(client, group!);
      const rows = await groupLag(client, group!, desc);
      const total = rows.reduce((sum, r) => sum + (r.lag ?? 0n), 0n);
      let out = `group ${desc.groupId}  state ${desc.state}  members ${desc.members.length}${desc.protocol ? `  assignor ${desc.protocol}` : ''}  total lag ${total}\n\n`;
      out += rows.length === 0
        ? 'no committed offsets and no assigned partitions\n'
        : formatTable(
            ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'CLIENT-ID'],
            rows.map((r) => [r.topic, r.partition, r.committed >= 0n ? r.committed : null, r.logEndOffset, r.lag, r.memberId, r.clientId]),
          );
      if (desc.members.length > 0) {
        out += '\n' + formatTable(
          ['MEMBER', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'],
          desc.members.map((m) => [m.memberId, m.clientId, m.clientHost, [...m.assignment].map(([t, ps]) => `${t}:${ps.join(',')}`).join(' ') || null]),
        );
      }
      return out;
    });
    process.stdout.write(text);
  },
};

/** The target offsets for reset-offsets, per partition of one topic. */
async function resetTargets(client: KafkaClient, group: string, topic: string, args: ParsedArgs): Promise<TopicPartitionOffset[]> {
  const modes = ['to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'shift-by'].filter((m) => (m.startsWith('to-e') || m.startsWith('to-l') ? args.flag(m) : args.string(m) !== undefined));
  if (modes.length !== 1) throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime T, --shift-by N', 'group reset-offsets');
  const mode = modes[0]!;
  const partitions = args.strings('partition').map(Number);
  const only = partitions.length > 0 ? partitions : undefined;
  const [earliest, latest] = await Promise.all([listOffsets(client, topic, 'earliest', only), listOffsets(client, topic, 'latest', only)]);
  // Kafka clamps every target into the partition's current range.
  const clamp = (p: number, o: bigint) => (o < earliest.get(p)! ? earliest.get(p)! : o > latest.get(p)! ? latest.get(p)! : o);
  let targets: Map<number, bigint>;
  if (mode === 'to-earliest') targets = earliest;
  else if (mode === 'to-latest') targets = latest;
  else if (mode === 'to-offset') {
    const v = args.string('to-offset')!;
    if (!/^\d+$/.test(v)) throw new UsageError(`--to-offset expects an offset, got '${v}'`, 'group reset-offsets');
    targets = new Map([...earliest.keys()].map((p) => [p, clamp(p, BigInt(v))]));
  } else if (mode === 'to-datetime') {
    const v = args.string('to-datetime')!;
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms)) throw new UsageError(`--to-datetime expects ms since the epoch or an ISO date, got '${v}'`, 'group reset-offsets');
    const spec: OffsetSpec = { timestamp: ms };
    targets = await listOffsets(client, topic, spec, only);
  } else {
    const v = args.string('shift-by')!;
    if (!/^-?\d+$/.test(v)) throw new UsageError(`--shift-by expects an integer, got '${v}'`, 'group reset-offsets');
    const committed = (await fetchGroupOffsets(client, group, [topic])).get(topic) ?? new Map<number, bigint>();
    targets = new Map(
      [...earliest.keys()].map((p) => {
        const c = committed.get(p);
        // No commit yet: shift from the earliest offset, as Kafka's tool does.
        const from = c !== undefined && c >= 0n ? c : earliest.get(p)!;
        return [p, clamp(p, from + BigInt(v))];
      }),
    );
  }
  return [...targets].sort(([a], [b]) => a - b).map(([partition, offset]) => ({ topic, partition, offset }));
}

const resetOffsets = {
  name: 'reset-offsets',
  spec: {
    usage: 'weir group reset-offsets GROUP --topic TOPIC (--to-earliest|--to-latest|--to-offset N|--to-datetime T|--shift-by N) [--execute]',
    summary: "move a group's committed offsets (the group must have no active members)",
    options: [
      BOOTSTRAP_OPTION,
      COMMAND_CONFIG_OPTION,
      { name: 'topic', short: 't', value: 'TOPIC', help: 'the topic whose offsets to move' },
      { name: 'partition', short: 'p', value: 'N', repeatable: true, help: 'only these partitions (default: all)' },
      { name: 'to-earliest', help: 'to the first offset still in the log' },
      { name: 'to-latest', help: 'to the end of the log (skip everything)' },
      { name: 'to-offset', value: 'N', help: 'to offset N (clamped into the log range)' },
      { name: 'to-datetime', value: 'T', help: 'to the first message at or after T (ms or ISO date)' },
      { name: 'shift-by', value: 'N', help: 'by N from the committed offset (negative: back)' },
      { name: 'execute', help: 'apply the change (without it, only print the plan)' },
    ],
  },
  async run(args: ParsedArgs) {
    const [group] = requirePositionals(args, ['GROUP'], 'group reset-offsets');
    const topic = args.string('topic');
    if (topic === undefined) throw new UsageError('--topic TOPIC is required', 'group reset-offsets');
    const text = await withClient(args, async (client) => {
      const targets = await resetTargets(client, group!, topic, args);
      const committed = (await fetchGroupOffsets(client, group!, [topic])).get(topic) ?? new Map<number, bigint>();
      if (args.flag('execute')) await commitGroupOffsets(client, group!, targets);
      return (
        formatTable(
          ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'],
          targets.map((t) => {
            const c = committed.get(t.partition);
            return [t.topic, t.partition, c !== undefined && c >= 0n ? c : null, t.offset];
          }),
        ) + (args.flag('execute') ? `reset the offsets of group ${group}\n` : 'dry run: nothing changed; add --execute to apply\n')
      );
    });
    process.stdout.write(text);
  },
};

const del = {
  name: 'delete',
  spec: { usage: 'weir group delete GROUP... [options]', summary: 'delete groups and their committed offsets (they must have no active members)', options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION] },
  async run(args: ParsedArgs) {
    const groups = requirePositionals(args, ['GROUP'], 'group delete', true);
    await withClient(args, (client) => deleteGroups(client, groups));
    for (const g of groups) process.stdout.write(`deleted group ${g}\n`);
  },
};

export const groupCommand: Command = commandGroup('group', 'list, describe (with lag), reset the offsets of, and delete consumer groups', [list, describe, resetOffsets, del]);
