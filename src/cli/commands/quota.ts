/**
 * `weir quota set|describe`: client quotas, as
 * `kafka-configs.sh --entity-type users|clients|ips --alter --add-config …`
 * and `--describe` manage them, through AlterClientQuotas and
 * DescribeClientQuotas. An entity is named with --user / --client-id (one
 * of each at most, together for a user's client) or --ip; `--user-default`
 * and the like name the default entity.
 */
import { type DescribedQuotas, QUOTA_MATCH, type QuotaEntityPart, type QuotaFilter, alterClientQuotas, describeClientQuotas } from '../../client';
import { BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, ParsedArgs, UsageError, keyValue } from '../args';
import { Command, commandGroup, withClient } from '../command';
import { formatTable } from '../table';

const ENTITY_TYPES = [
  { type: 'user', option: 'user', help: 'a user (the principal name; ANONYMOUS without authentication)' },
  { type: 'client-id', option: 'client-id', help: 'a client id' },
  { type: 'ip', option: 'ip', help: 'a client address (connection_creation_rate only)' },
] as const;

const ENTITY_OPTIONS = ENTITY_TYPES.flatMap((t) => [
  { name: t.option, value: 'NAME', help: t.help },
  { name: `${t.option}-default`, help: `the default ${t.type} entity` },
]);

/** The entity parts named on the command line; `undefined` name: not named. */
function entityOf(args: ParsedArgs, command: string): QuotaEntityPart[] {
  const parts: QuotaEntityPart[] = [];
  for (const t of ENTITY_TYPES) {
    const name = args.string(t.option);
    const isDefault = args.flag(`${t.option}-default`);
    if (name !== undefined && isDefault) throw new UsageError(`give --${t.option} or --${t.option}-default, not both`, command);
    if (name !== undefined) parts.push({ entityType: t.type, entityName: name });
    else if (isDefault) parts.push({ entityType: t.type, entityName: null });
  }
  return parts;
}

/** user, then client-id, then ip, as kafka-configs.sh prints them. */
function entityText(entity: readonly QuotaEntityPart[]): string {
  const rank = (p: QuotaEntityPart) => ENTITY_TYPES.findIndex((t) => t.type === p.entityType);
  return [...entity].sort((a, b) => rank(a) - rank(b)).map((p) => `${p.entityType}=${p.entityName ?? '<default>'}`).join(',');
}

const set = {
  name: 'set',
  spec: {
    usage: 'weir quota set (--user U | --user-default) [--client-id C | --client-id-default] | (--ip IP | --ip-default)  KEY=VALUE... [--delete KEY]...',
    summary: 'set or remove quotas of a user, client id or ip',
    options: [
      BOOTSTRAP_OPTION,
      COMMAND_CONFIG_OPTION,
      ...ENTITY_OPTIONS,
      { name: 'delete', short: 'd', value: 'KEY', repeatable: true, help: 'remove this quota' },
    ],
    notes:
      'keys: producer_byte_rate, consumer_byte_rate (bytes/s), request_percentage (% of a thread), controller_mutation_rate;\n' +
      '      connection_creation_rate (per second) for --ip\n\n' +
      'examples:\n  weir quota set --user alice producer_byte_rate=1048576 consumer_byte_rate=2097152\n' +
      '  weir quota set --user-default --client-id-default request_percentage=50\n  weir quota set --client-id reporting --delete consumer_byte_rate',
  },
  async run(args: ParsedArgs) {
    const command = 'quota set';
    const entity = entityOf(args, command);
    if (entity.length === 0) throw new UsageError('name an entity: --user, --client-id, --ip or their -default forms', command);
    const changes: Record<string, number | null> = {};
    for (const kv of args.positionals) {
      const [key, text] = keyValue(kv, 'a quota', command);
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`quota ${key} expects a number, got '${text}'`, command);
      changes[key] = value;
    }
    for (const key of args.strings('delete')) changes[key] = null;
    if (Object.keys(changes).length === 0) throw new UsageError('nothing to do: give KEY=VALUE or --delete KEY', command);
    await withClient(args, (client) => alterClientQuotas(client, entity, changes));
  },
};

const describe = {
  name: 'describe',
  spec: {
    usage: 'weir quota describe [--user U | --user-default] [--client-id C | --client-id-default] [--ip IP | --ip-default] [options]',
    summary: 'quotas of the entities that match (all of them with no filter)',
    options: [
      BOOTSTRAP_OPTION,
      COMMAND_CONFIG_OPTION,
      ...ENTITY_OPTIONS,
      { name: 'strict', help: 'only entities made of exactly the types named' },
    ],
  },
  async run(args: ParsedArgs) {
    const components: QuotaFilter[] = entityOf(args, 'quota describe').map((p) => ({
      entityType: p.entityType,
      matchType: p.entityName === null ? QUOTA_MATCH.default : QUOTA_MATCH.exact,
      match: p.entityName,
    }));
    const described: DescribedQuotas[] = await withClient(args, (client) => describeClientQuotas(client, components, args.flag('strict')));
    const rows = described
      .map((d) => ({ entity: entityText(d.entity), values: d.values }))
      .sort((a, b) => a.entity.localeCompare(b.entity))
      .flatMap((d) => d.values.map((v) => [d.entity, v.key, v.value] as const));
    process.stdout.write(formatTable(['ENTITY', 'QUOTA', 'VALUE'], rows));
  },
};

export const quotaCommand: Command = commandGroup('quota', 'client quotas: byte rates and request percentage per user / client id', [set, describe]);
