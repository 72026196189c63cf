/**
 * `weir topic create|list|describe|delete|alter-config|add-partitions`, in
 * the spirit of kafka-topics.sh and `rpk topic`.
 */
import { ClientApis, ResourceType, alterConfigs, createPartitions, createTopics, deleteTopics, describeConfigs, describeTopic, listOffsets, listPartitionReassignments, listTopics } from '../../client';
import { BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, ParsedArgs, UsageError, keyValue } from '../args';
import { Command, commandGroup, requirePositionals, withClient } from '../command';
import { formatTable } from '../table';

const create = {
  name: 'create',
  spec: {
    usage: 'weir topic create NAME... [options]',
    summary: 'create topics',
    options: [
      BOOTSTRAP_OPTION,
      COMMAND_CONFIG_OPTION,
      { name: 'partitions', short: 'p', value: 'N', help: "partition count (default: the broker's num.partitions)" },
      { name: 'replication-factor', short: 'r', value: 'N', help: 'replicas per partition (default: the broker default)' },
      { name: 'config', short: 'c', value: 'KEY=VALUE', repeatable: true, help: 'topic config, e.g. retention.ms=3600000' },
      { name: 'if-not-exists', help: 'succeed when the topic already exists' },
    ],
    notes: 'example: weir topic create orders -p 3 -c retention.ms=86400000',
  },
  async run(args: ParsedArgs) {
    const names = requirePositionals(args, ['NAME'], 'topic create', true);
    const configs = Object.fromEntries(args.strings('config').map((c) => keyValue(c, '--config', 'topic create')));
    const partitions = args.integer('partitions', 1);
    const replicationFactor = args.integer('replication-factor', 1);
    await withClient(args, (client) =>
      createTopics(client, names.map((name) => ({ name, partitions, replicationFactor, configs })), { ifNotExists: args.flag('if-not-exists') }),
    );
    for (const n of names) process.stdout.write(`created topic ${n}\n`);
  },
};

const list = {
  name: 'list',
  spec: {
    usage: 'weir topic list [options]',
    summary: 'list topics with their partition counts',
    options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, { name: 'internal', short: 'i', help: 'include internal topics (__consumer_offsets, ...)' }],
  },
  async run(args: ParsedArgs) {
    requirePositionals(args, [], 'topic list');
    const topics = await withClient(args, (client) => listTopics(client, args.flag('internal')));
    process.stdout.write(formatTable(['NAME', 'PARTITIONS', 'REPLICAS'], topics.map((t) => [t.name, t.partitions.length, t.partitions[0]?.replicas.length ?? 0])));
  },
};

const describe = {
  name: 'describe',
  spec: {
    usage: 'weir topic describe NAME [options]',
    summary: 'partitions (leader, replicas, ISR, offsets, reassignments) and the configs that differ from the defaults',
    options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, { name: 'all-configs', short: 'a', help: 'show every config, defaults included' }],
  },
  async run(args: ParsedArgs) {
    const [name] = requirePositionals(args, ['NAME'], 'topic describe');
    const out = await withClient(args, async (client) => {
      const t = await describeTopic(client, name!);
      const [start, end, configs] = await Promise.all([
        listOffsets(client, name!, 'earliest'),
        listOffsets(client, name!, 'latest'),
        describeConfigs(client, ResourceType.TOPIC, name!),
      ]);
      let text = `topic ${t.name}  id ${t.topicId}  partitions ${t.partitions.length}${t.isInternal ? '  (internal)' : ''}\n\n`;
      text += formatTable(
        ['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'LOG-START', 'LOG-END', 'MESSAGES'],
        t.partitions.map((p) => {
          const s = start.get(p.partition) ?? null;
          const e = end.get(p.partition) ?? null;
          return [p.partition, p.leaderId, p.replicas.join(','), p.isr.join(','), s, e, s !== null && e !== null ? e - s : null];
        }),
      );
      // During a reassignment REPLICAS holds the target replicas, then those being removed.
      const reassigning = (await client.versionFor('controller', ClientApis.ListPartitionReassignments)) === null ? [] : await listPartitionReassignments(client, [{ topic: name!, partitions: t.partitions.map((p) => p.partition) }]);
      if (reassigning.length > 0) {
        text += `\nreassignments in progress:\n${formatTable(['PARTITION', 'ADDING', 'REMOVING'], reassigning.map((r) => [r.partition, r.addingReplicas.join(','), r.removingReplicas.join(',')]))}`;
      }
      const shown = args.flag('all-configs') ? configs : configs.filter((c) => !c.isDefault);
      text += `\n${shown.length === 0 ? 'configs: all defaults\n' : formatTable(['CONFIG', 'VALUE', 'SOURCE'], shown.map((c) => [c.name, c.isSensitive ? '(sensitive)' : c.value, c.source]))}`;
      return text;
    });
    process.stdout.write(out);
  },
};

const del = {
  name: 'delete',
  spec: {
    usage: 'weir topic delete NAME... [options]',
    summary: 'delete topics and their data',
    options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, { name: 'if-exists', help: 'succeed when the topic does not exist' }],
  },
  async run(args: ParsedArgs) {
    const names = requirePositionals(args, ['NAME'], 'topic delete', true);
    await withClient(args, (client) => deleteTopics(client, names, { ifExists: args.flag('if-exists') }));
    for (const n of names) process.stdout.write(`deleted topic ${n}\n`);
  },
};

const alterConfig = {
  name: 'alter-config',
  spec: {
    usage: 'weir topic alter-config NAME [--set KEY=VALUE]... [--delete KEY]...',
    summary: "change a topic's configs (others are left as they are)",
    options: [
      BOOTSTRAP_OPTION,
      COMMAND_CONFIG_OPTION,
      { name: 'set', short: 's', value: 'KEY=VALUE', repeatable: true, help: 'set a config' },
      { name: 'delete', short: 'd', value: 'KEY', repeatable: true, help: 'remove a config (back to the default)' },
      { name: 'dry-run', help: 'only validate' },
    ],
    notes: 'example: weir topic alter-config orders --set retention.ms=60000 --delete cleanup.policy',
  },
  async run(args: ParsedArgs) {
    const [name] = requirePositionals(args, ['NAME'], 'topic alter-config');
    const changes = [
      ...args.strings('set').map((s) => {
        const [k, v] = keyValue(s, '--set', 'topic alter-config');
        return { name: k, value: v };
      }),
      ...args.strings('delete').map((k) => ({ name: k, value: null })),
    ];
    if (changes.length === 0) throw new UsageError('nothing to change: give --set KEY=VALUE or --delete KEY', 'topic alter-config');
    await withClient(args, (client) => alterConfigs(client, ResourceType.TOPIC, name!, changes, args.flag('dry-run')));
    for (const c of changes) process.stdout.write(`${args.flag('dry-run') ? 'would ' : ''}${c.value === null ? `delete ${c.name}` : `set ${c.name}=${c.value}`} on ${name}\n`);
  },
};

const addPartitions = {
  name: 'add-partitions',
  spec: {
    usage: 'weir topic add-partitions NAME --count N',
    summary: 'raise the partition count to N (Kafka cannot lower it)',
    options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, { name: 'count', short: 'n', value: 'N', help: 'the new total partition count' }],
  },
  async run(args: ParsedArgs) {
    const [name] = requirePositionals(args, ['NAME'], 'topic add-partitions');
    const count = args.integer('count', 1);
    if (count === undefined) throw new UsageError('--count N is required', 'topic add-partitions');
    await withClient(args, (client) => createPartitions(client, name!, count));
    process.stdout.write(`topic ${name} now has ${count} partitions\n`);
  },
};

export const topicCommand: Command = commandGroup('topic', 'create, list, describe, delete and configure topics', [create, list, describe, del, alterConfig, addPartitions]);
