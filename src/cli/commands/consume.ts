/**
 * `weir consume TOPIC`: prints messages, like kafka-console-consumer and
 * `kcat -C`. By default it reads every partition from the beginning up to
 * the end as it was when the command started, then exits; `--follow` keeps
 * waiting for new messages.
 *
 * With `--group G` it starts from G's committed offsets and commits its
 * position after each batch it prints. It does not join the group (no
 * rebalancing, no heartbeats): it is a tool for inspecting and draining,
 * and Kafka only accepts its commits while G has no active members.
 */
import { ErrorCode } from '../../protocol/errors';
import {
  ClusterMetadata,
  FetchPosition,
  KafkaClient,
  KafkaResponseError,
  OffsetSpec,
  commitGroupOffsets,
  fetch,
  fetchGroupOffsets,
  listOffsets,
  requireTopic,
} from '../../client';
import { BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, ParsedArgs, UsageError, bootstrapOf } from '../args';
import { Command, clientOptionsOf, parseOrHelp, requirePositionals } from '../command';
import { DEFAULT_FORMAT, compileFormat } from '../record-format';

const spec = {
  usage: 'weir consume TOPIC [options]',
  summary: 'print messages (from the beginning to the current end, unless --follow)',
  options: [
    BOOTSTRAP_OPTION,
    COMMAND_CONFIG_OPTION,
    { name: 'from-beginning', help: 'start at the earliest offset (the default without --group)' },
    { name: 'offset', short: 'o', value: 'N', help: 'start at offset N; also beginning, end, or -N (N before the end)' },
    { name: 'timestamp', value: 'T', help: 'start at the first message at or after T (ms since epoch, or an ISO date)' },
    { name: 'partition', short: 'p', value: 'N', repeatable: true, help: 'only these partitions (default: all)' },
    { name: 'group', short: 'g', value: 'G', help: "start from G's committed offsets and commit progress" },
    { name: 'format', short: 'f', value: 'FMT', help: `output template (default '${DEFAULT_FORMAT}') or json` },
    { name: 'count', short: 'c', value: 'N', help: 'exit after N messages' },
    { name: 'follow', short: 'F', help: 'keep waiting for new messages (Ctrl-C to stop)' },
  ],
  notes: [
    'format placeholders: %t topic  %p partition  %o offset  %k key  %v value',
    '  %T timestamp (ms)  %h headers (k=v,...)  %K/%S key/value length  %%  \\n \\t',
    '',
    'examples:',
    "  weir consume demo --format '%p:%o %k=%v\\n'",
    '  weir consume demo --follow --offset end',
    '  weir consume demo --group audit --count 100',
  ].join('\n'),
};

/** Parses --offset / --timestamp / --from-beginning into where to start. */
function startSpec(args: ParsedArgs): { kind: 'spec'; spec: OffsetSpec } | { kind: 'offset'; offset: bigint } | { kind: 'fromEnd'; back: bigint } | null {
  const given = ['from-beginning', 'offset', 'timestamp'].filter((o) => (o === 'from-beginning' ? args.flag(o) : args.string(o) !== undefined));
  if (given.length > 1) throw new UsageError(`give only one of --${given.join(', --')}`, 'consume');
  if (args.flag('from-beginning')) return { kind: 'spec', spec: 'earliest' };
  const ts = args.string('timestamp');
  if (ts !== undefined) {
    const ms = /^\d+$/.test(ts) ? Number(ts) : Date.parse(ts);
    if (!Number.isFinite(ms)) throw new UsageError(`--timestamp expects milliseconds since the epoch or an ISO date, got '${ts}'`, 'consume');
    return { kind: 'spec', spec: { timestamp: ms } };
  }
  const o = args.string('offset');
  if (o === undefined) return null;
  if (o === 'beginning' || o === 'earliest' || o === 'start') return { kind: 'spec', spec: 'earliest' };
  if (o === 'end' || o === 'latest') return { kind: 'spec', spec: 'latest' };
  if (/^-\d+$/.test(o)) return { kind: 'fromEnd', back: BigInt(o.slice(1)) };
  if (/^\d+$/.test(o)) return { kind: 'offset', offset: BigInt(o) };
  throw new UsageError(`--offset expects a number, beginning, end or -N, got '${o}'`, 'consume');
}

const REFRESH_ERRORS: ReadonlySet<number> = new Set([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.FENCED_LEADER_EPOCH]);

async function run(args: ParsedArgs): Promise<void> {
  const [topic] = requirePositionals(args, ['TOPIC'], 'consume');
  const start = startSpec(args);
  const formatter = compileFormat(args.string('format') ?? DEFAULT_FORMAT);
  const count = args.integer('count', 1);
  const follow = args.flag('follow');
  const group = args.string('group');
  const onlyPartitions = args.strings('partition').map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--partition expects an integer >= 0, got '${p}'`, 'consume');
    return n;
  });

  const client = await KafkaClient.connect(bootstrapOf(args), clientOptionsOf(args));
  let stopping = false;
  const onSignal = () => {
    stopping = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let md: ClusterMetadata = await client.metadata([topic!]);
    const t = requireTopic(md, topic!);
    const partitions = onlyPartitions.length > 0 ? onlyPartitions : t.partitions.map((p) => p.partition);
    for (const p of partitions) {
      if (!t.partitions[p]) throw new KafkaResponseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${p} of '${topic}' (it has ${t.partitions.length})`);
    }

    // Where each partition starts.
    const positions = new Map<number, bigint>();
    const committed = group ? ((await fetchGroupOffsets(client, group, [topic!])).get(topic!) ?? new Map<number, bigint>()) : new Map<number, bigint>();
    const needDefault: number[] = [];
    for (const p of partitions) {
      const c = committed.get(p);
      if (start === null && c !== undefined && c >= 0n) positions.set(p, c);
      else needDefault.push(p);
    }
    if (needDefault.length > 0) {
      if (start?.kind === 'offset') {
        for (const p of needDefault) positions.set(p, start.offset);
      } else if (start?.kind === 'fromEnd') {
        const [ends, begins] = await Promise.all([listOffsets(client, topic!, 'latest', needDefault), listOffsets(client, topic!, 'earliest', needDefault)]);
        for (const p of needDefault) {
          const back = ends.get(p)! - start.back;
          positions.set(p, back > begins.get(p)! ? back : begins.get(p)!);
        }
      } else {
        for (const [p, o] of await listOffsets(client, topic!, start?.kind === 'spec' ? start.spec : 'earliest', needDefault)) positions.set(p, o);
      }
    }
    // Without --follow, stop at the end offsets as of now.
    const stopAt = follow ? null : await listOffsets(client, topic!, 'latest', partitions);
    const active = new Set(partitions.filter((p) => stopAt === null || positions.get(p)! < stopAt.get(p)!));

    let printed = 0;
    while (!stopping && active.size > 0 && (count === undefined || printed < count)) {
      const wanted: FetchPosition[] = [...active].map((partition) => ({ partition, offset: positions.get(partition)! }));
      const results = await fetch(client, topic!, wanted, { metadata: md, maxWaitMs: follow ? 1000 : 250 });
      let out = '';
      const progressed: { topic: string; partition: number; offset: bigint }[] = [];
      for (const r of results) {
        if (r.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          const reset = (await listOffsets(client, topic!, 'earliest', [r.partition])).get(r.partition)!;
          process.stderr.write(`weir: offset ${positions.get(r.partition)} of ${topic}[${r.partition}] is out of range; continuing from ${reset}\n`);
          positions.set(r.partition, reset);
          continue;
        }
        if (REFRESH_ERRORS.has(r.errorCode)) {
          md = await client.metadata([topic!]);
          continue;
        }
        if (r.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(r.errorCode, `fetching ${topic}[${r.partition}]`);
        // Advance past what was printed; past the whole answer (control
        // batches included) only when every record in it was printed.
        let next = positions.get(r.partition)!;
        let printedAll = true;
        const limit = stopAt?.get(r.partition);
        for (const rec of r.records) {
          if ((count !== undefined && printed >= count) || (limit !== undefined && rec.offset >= limit)) {
            printedAll = false;
            break;
          }
          out += formatter(topic!, r.partition, rec);
          printed++;
          next = rec.offset + 1n;
        }
        if (printedAll && r.nextOffset > next) next = r.nextOffset;
        if (next !== positions.get(r.partition)) progressed.push({ topic: topic!, partition: r.partition, offset: next });
        positions.set(r.partition, next);
        if (limit !== undefined && next >= limit) active.delete(r.partition);
      }
      if (out) await write(out);
      if (group && progressed.length > 0) await commitGroupOffsets(client, group, progressed);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.close();
  }
}

/** Writes to stdout, waiting when the pipe is full; a closed pipe (| head) ends quietly. */
function write(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}

export const consumeCommand: Command = {
  name: 'consume',
  summary: spec.summary,
  async run(argv) {
    const args = parseOrHelp(spec, argv, 'consume');
    if (args) await run(args);
  },
};
