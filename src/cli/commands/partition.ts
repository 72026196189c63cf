/**
 * `weir partition reassign|list-reassignments|cancel-reassignment|elect-leaders`:
 * moving partitions between brokers and their leadership, in the spirit of
 * kafka-reassign-partitions.sh and kafka-leader-election.sh (the requests
 * are Kafka's: AlterPartitionReassignments, ListPartitionReassignments,
 * ElectLeaders, so they work against a Kafka cluster too).
 *
 * Partitions are named TOPIC:PARTITION; a reassignment TOPIC:PARTITION=R1,R2,…
 * (the first replica is the preferred leader), or Kafka's reassignment JSON
 * file ({"version":1,"partitions":[{"topic","partition","replicas"}]}).
 */
import * as fs from 'node:fs';
import type { KafkaClient } from '../../client';
import type { OngoingReassignment, PartitionOutcome, PartitionReassignment, TopicPartitionList } from '../../client/reassignments';
import { errorName, ErrorCode } from '../../protocol/errors';
import { BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, ParsedArgs, UsageError } from '../args';
import { Command, commandGroup, withClient } from '../command';
import { formatTable } from '../table';

/** Loaded with the command, not at `weir` start. */
function reassignments(): typeof import('../../client/reassignments') {
  return require('../../client/reassignments') as typeof import('../../client/reassignments');
}

function parsePartition(spec: string, command: string): { topic: string; partition: number } {
  const at = spec.lastIndexOf(':');
  const partition = Number(spec.slice(at + 1));
  if (at <= 0 || !Number.isInteger(partition) || partition < 0 || spec.slice(at + 1).trim() === '') throw new UsageError(`'${spec}' is not TOPIC:PARTITION`, command);
  return { topic: spec.slice(0, at), partition };
}

function parseReassignment(spec: string, command: string): PartitionReassignment {
  const eq = spec.indexOf('=');
  if (eq < 0) throw new UsageError(`'${spec}' is not TOPIC:PARTITION=BROKER,BROKER,...`, command);
  const { topic, partition } = parsePartition(spec.slice(0, eq), command);
  const replicas = spec
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim());
  if (replicas.some((r) => !/^\d+$/.test(r))) throw new UsageError(`'${spec}': replicas must be broker ids, e.g. ${topic}:${partition}=2,3`, command);
  return { topic, partition, replicas: replicas.map(Number) };
}

/** Kafka's reassignment JSON (kafka-reassign-partitions.sh --reassignment-json-file). */
function readReassignmentFile(file: string, command: string): PartitionReassignment[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`, command);
  }
  const partitions = (parsed as { partitions?: unknown }).partitions;
  if (!Array.isArray(partitions)) throw new UsageError(`${file}: expected {"version":1,"partitions":[{"topic":...,"partition":...,"replicas":[...]}]}`, command);
  return partitions.map((p: unknown, i) => {
    const e = p as { topic?: unknown; partition?: unknown; replicas?: unknown };
    if (typeof e.topic !== 'string' || !Number.isInteger(e.partition) || !Array.isArray(e.replicas) || !e.replicas.every((r) => Number.isInteger(r))) {
      throw new UsageError(`${file}: partitions[${i}] needs "topic", "partition" and "replicas" (broker ids)`, command);
    }
    return { topic: e.topic, partition: e.partition as number, replicas: e.replicas as number[] };
  });
}

/** Prints each partition's outcome; a failed one makes the command fail (exit 1) after all are shown. */
function report(outcomes: readonly PartitionOutcome[], ok: (o: PartitionOutcome) => string, acceptable: readonly number[] = []): void {
  const failed: string[] = [];
  for (const o of outcomes) {
    const name = `${o.topic}:${o.partition}`;
    if (o.errorCode === ErrorCode.NONE || acceptable.includes(o.errorCode)) process.stdout.write(`${ok(o)}\n`);
    else failed.push(`${name}: ${errorName(o.errorCode)}${o.errorMessage ? ` (${o.errorMessage})` : ''}`);
  }
  if (failed.length > 0) {
    for (const f of failed) process.stderr.write(`weir: ${f}\n`);
    process.exitCode = 1;
  }
}

function reassignmentTable(ongoing: readonly OngoingReassignment[]): string {
  if (ongoing.length === 0) return 'no reassignment in progress\n';
  return formatTable(
    ['TOPIC', 'PARTITION', 'REPLICAS', 'ADDING', 'REMOVING'],
    ongoing.map((r) => [r.topic, r.partition, r.replicas.join(','), r.addingReplicas.join(',') || null, r.removingReplicas.join(',') || null]),
  );
}

function topicPartitionLists(specs: readonly { topic: string; partition: number }[]): TopicPartitionList[] {
  const byTopic = new Map<string, number[]>();
  for (const s of specs) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s.partition]);
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/** Polls until none of `specs` is being reassigned. */
async function waitUntilDone(client: KafkaClient, specs: readonly { topic: string; partition: number }[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ongoing = await reassignments().listPartitionReassignments(client, topicPartitionLists(specs));
    if (ongoing.length === 0) return;
    if (Date.now() >= deadline) {
      process.stdout.write(reassignmentTable(ongoing));
      throw new Error(`still reassigning after ${timeoutMs} ms (it goes on; see \`weir partition list-reassignments\`)`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const reassign = {
  name: 'reassign',
  spec: {
    usage: 'weir partition reassign TOPIC:PARTITION=BROKER,BROKER,... [options]',
    summary: 'move partitions to other brokers (AlterPartitionReassignments)',
    options: [
      BOOTSTRAP_OPTION,
      COMMAND_CONFIG_OPTION,
      { name: 'reassignment-json-file', value: 'FILE', help: "Kafka's reassignment JSON instead of TOPIC:PARTITION=... arguments" },
      { name: 'wait', help: 'wait until the reassignments are complete' },
      { name: 'timeout', value: 'SECONDS', help: 'with --wait: how long to wait (default 300)' },
    ],
    notes:
      'The new replicas copy the partition from its leader, then the old ones are dropped (and their logs deleted);\n' +
      'the first replica is the preferred leader. Cancel with `weir partition cancel-reassignment TOPIC:PARTITION`.\n' +
      'example: weir partition reassign orders:0=2,3 orders:1=3,1 --wait',
  },
  async run(args: ParsedArgs) {
    const command = 'partition reassign';
    const file = args.string('reassignment-json-file');
    const specs = [...(file ? readReassignmentFile(file, command) : []), ...args.positionals.map((p) => parseReassignment(p, command))];
    if (specs.length === 0) throw new UsageError('nothing to reassign: give TOPIC:PARTITION=BROKER,... or --reassignment-json-file', command);
    const timeoutSeconds = args.integer('timeout', 1) ?? 300;
    await withClient(args, async (client) => {
      const outcomes = await reassignments().alterPartitionReassignments(client, specs);
      const target = new Map(specs.map((s) => [`${s.topic}:${s.partition}`, s.replicas!.join(',')]));
      report(outcomes, (o) => `reassigning ${o.topic}:${o.partition} to ${target.get(`${o.topic}:${o.partition}`)}`);
      if (!args.flag('wait') || process.exitCode === 1) return;
      const started = outcomes.filter((o) => o.errorCode === ErrorCode.NONE);
      await waitUntilDone(client, started, timeoutSeconds * 1000);
      process.stdout.write(`reassignment complete: ${started.map((o) => `${o.topic}:${o.partition}`).join(' ')}\n`);
    });
  },
};

const list = {
  name: 'list-reassignments',
  spec: {
    usage: 'weir partition list-reassignments [TOPIC[:PARTITION]]... [options]',
    summary: 'the reassignments in progress (ListPartitionReassignments)',
    options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION],
  },
  async run(args: ParsedArgs) {
    const ongoing = await withClient(args, (client) => reassignments().listPartitionReassignments(client, null));
    // Filtered here: a topic named without a partition means all of its partitions.
    const wanted = args.positionals.map((p) => (p.includes(':') ? parsePartition(p, 'partition list-reassignments') : { topic: p, partition: -1 }));
    const shown = wanted.length === 0 ? ongoing : ongoing.filter((r) => wanted.some((w) => w.topic === r.topic && (w.partition < 0 || w.partition === r.partition)));
    process.stdout.write(reassignmentTable(shown));
  },
};

const cancel = {
  name: 'cancel-reassignment',
  spec: {
    usage: 'weir partition cancel-reassignment TOPIC:PARTITION... [options]',
    summary: 'stop reassignments in progress; the partitions go back to their original replicas',
    options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION],
  },
  async run(args: ParsedArgs) {
    const command = 'partition cancel-reassignment';
    if (args.positionals.length === 0) throw new UsageError('missing TOPIC:PARTITION', command);
    const specs = args.positionals.map((p) => ({ ...parsePartition(p, command), replicas: null }));
    const outcomes = await withClient(args, (client) => reassignments().alterPartitionReassignments(client, specs));
    report(outcomes, (o) => `cancelled the reassignment of ${o.topic}:${o.partition}`);
  },
};

const electLeaders = {
  name: 'elect-leaders',
  spec: {
    usage: 'weir partition elect-leaders [TOPIC[:PARTITION]]... [options]',
    summary: 'move leadership to the preferred replicas, or elect an unclean leader (ElectLeaders)',
    options: [
      BOOTSTRAP_OPTION,
      COMMAND_CONFIG_OPTION,
      { name: 'election-type', value: 'TYPE', help: "'preferred' (default): the first replica, where it is in sync; 'unclean': any live replica for a partition without a leader (may lose acknowledged records)" },
    ],
    notes: 'Without partitions every partition of the cluster is tried.\nexample: weir partition elect-leaders orders:0 payments',
  },
  async run(args: ParsedArgs) {
    const command = 'partition elect-leaders';
    const type = args.string('election-type') ?? 'preferred';
    if (type !== 'preferred' && type !== 'unclean') throw new UsageError(`--election-type is 'preferred' or 'unclean', not '${type}'`, command);
    await withClient(args, async (client) => {
      let partitions: TopicPartitionList[] | null = null;
      if (args.positionals.length > 0) {
        // A topic without a partition: every partition of it.
        const md = await client.metadata([...new Set(args.positionals.filter((p) => !p.includes(':')))]);
        const specs = args.positionals.flatMap((p) => {
          if (p.includes(':')) return [parsePartition(p, command)];
          const t = md.topics.get(p);
          if (!t || t.errorCode !== ErrorCode.NONE) return [{ topic: p, partition: 0 }];
          return t.partitions.map((x) => ({ topic: p, partition: x.partition }));
        });
        partitions = topicPartitionLists(specs);
      }
      const outcomes = await reassignments().electLeaders(client, type, partitions);
      if (outcomes.length === 0) process.stdout.write('every partition is led by its preferred replica\n');
      report(
        outcomes,
        (o) => (o.errorCode === ErrorCode.ELECTION_NOT_NEEDED ? `${o.topic}:${o.partition}: no election needed` : `${o.topic}:${o.partition}: elected a ${type} leader`),
        [ErrorCode.ELECTION_NOT_NEEDED],
      );
    });
  },
};

export const partitionCommand: Command = commandGroup('partition', 'move partitions between brokers and elect their leaders', [reassign, list, cancel, electLeaders]);
