/**
 * `weir acl add|list|remove`: ACLs, as `kafka-acls.sh --add|--list|--remove`
 * manages them (the same option names: --allow-principal, --deny-principal,
 * --allow-host, --deny-host, --operation, --topic, --group, --cluster,
 * --transactional-id, --delegation-token, --user-principal,
 * --resource-pattern-type), through CreateAcls, DescribeAcls and DeleteAcls.
 * Operation and pattern names are case-insensitive (Read, READ, read;
 * IdempotentWrite or IDEMPOTENT_WRITE). `remove` prints what it removed.
 */
import type { AclBinding } from '../../security/authorizer/acl';
import { AclOperation, CLUSTER_RESOURCE_NAME, PatternType, PermissionType, ResourceType } from '../../security/authorizer/acl';
import type { AclBindingFilter } from '../../security/authorizer/acl-filter';
import { BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, type OptionSpec, ParsedArgs, UsageError } from '../args';
import { Command, commandGroup, withClient } from '../command';
import { formatTable } from '../table';

const RESOURCE_OPTIONS: OptionSpec[] = [
  { name: 'topic', value: 'TOPIC', repeatable: true, help: 'a topic (a name, a prefix with --resource-pattern-type prefixed, or *)' },
  { name: 'group', value: 'GROUP', repeatable: true, help: 'a consumer group' },
  { name: 'cluster', help: 'the cluster' },
  { name: 'transactional-id', value: 'ID', repeatable: true, help: 'a transactional id' },
  { name: 'delegation-token', value: 'TOKEN', repeatable: true, help: 'a delegation token id' },
  { name: 'user-principal', value: 'PRINCIPAL', repeatable: true, help: 'a user (for CREATE_TOKENS / DESCRIBE_TOKENS)' },
];

const ENTRY_OPTIONS: OptionSpec[] = [
  { name: 'allow-principal', value: 'PRINCIPAL', repeatable: true, help: 'a principal to allow, e.g. User:alice (User:* for everyone)' },
  { name: 'deny-principal', value: 'PRINCIPAL', repeatable: true, help: 'a principal to deny' },
  { name: 'allow-host', value: 'HOST', repeatable: true, help: 'an IP address the allowed principals may connect from (default *)' },
  { name: 'deny-host', value: 'HOST', repeatable: true, help: 'an IP address the denied principals are denied from (default *)' },
  { name: 'operation', value: 'OPERATION', repeatable: true, help: 'Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, CreateTokens, DescribeTokens, All' },
];

function patternTypeOption(dflt: string): OptionSpec {
  return { name: 'resource-pattern-type', value: 'TYPE', help: `literal or prefixed; list/remove also any and match (default ${dflt})` };
}

/** "IdempotentWrite", "idempotent-write", "IDEMPOTENT_WRITE" -> IDEMPOTENT_WRITE's code. */
function codeOf<T extends Record<string, number>>(codes: T, name: string, what: string, command: string): number {
  const key = name.replace(/[-_\s]/g, '').toUpperCase();
  for (const [k, v] of Object.entries(codes)) if (k.replace(/_/g, '') === key) return v;
  throw new UsageError(`unknown ${what} '${name}'`, command);
}

function resourcesOf(args: ParsedArgs, command: string): { resourceType: number; name: string }[] {
  const out = [
    ...args.strings('topic').map((name) => ({ resourceType: ResourceType.TOPIC as number, name })),
    ...args.strings('group').map((name) => ({ resourceType: ResourceType.GROUP as number, name })),
    ...(args.flag('cluster') ? [{ resourceType: ResourceType.CLUSTER as number, name: CLUSTER_RESOURCE_NAME }] : []),
    ...args.strings('transactional-id').map((name) => ({ resourceType: ResourceType.TRANSACTIONAL_ID as number, name })),
    ...args.strings('delegation-token').map((name) => ({ resourceType: ResourceType.DELEGATION_TOKEN as number, name })),
    ...args.strings('user-principal').map((name) => ({ resourceType: ResourceType.USER as number, name })),
  ];
  if (out.length === 0 && command === 'acl add') throw new UsageError('name a resource: --topic, --group, --cluster, --transactional-id, --delegation-token or --user-principal', command);
  return out;
}

/** (principal, host, permission) triples from the --allow-* and --deny-* options. */
function entriesOf(args: ParsedArgs): { principal: string; host: string; permissionType: number }[] {
  const side = (principals: string[], hosts: string[], permissionType: number) =>
    principals.flatMap((principal) => (hosts.length > 0 ? hosts : ['*']).map((host) => ({ principal, host, permissionType })));
  return [...side(args.strings('allow-principal'), args.strings('allow-host'), PermissionType.ALLOW), ...side(args.strings('deny-principal'), args.strings('deny-host'), PermissionType.DENY)];
}

function checkPrincipals(args: ParsedArgs, command: string): void {
  for (const p of [...args.strings('allow-principal'), ...args.strings('deny-principal')]) {
    if (p.indexOf(':') <= 0) throw new UsageError(`invalid principal '${p}': expected Type:name, e.g. User:alice`, command);
  }
}

const NAMES = {
  resourceType: Object.fromEntries(Object.entries(ResourceType).map(([k, v]) => [v, k])),
  patternType: Object.fromEntries(Object.entries(PatternType).map(([k, v]) => [v, k])),
  operation: Object.fromEntries(Object.entries(AclOperation).map(([k, v]) => [v, k])),
  permissionType: Object.fromEntries(Object.entries(PermissionType).map(([k, v]) => [v, k])),
};

function printAcls(acls: readonly AclBinding[]): void {
  const rows = acls.map((a) => [
    NAMES.resourceType[a.pattern.resourceType] ?? String(a.pattern.resourceType),
    a.pattern.name,
    NAMES.patternType[a.pattern.patternType] ?? String(a.pattern.patternType),
    a.entry.principal,
    a.entry.host,
    NAMES.operation[a.entry.operation] ?? String(a.entry.operation),
    NAMES.permissionType[a.entry.permissionType] ?? String(a.entry.permissionType),
  ]);
  rows.sort((x, y) => x.join('\u0000').localeCompare(y.join('\u0000')));
  process.stdout.write(formatTable(['RESOURCE_TYPE', 'NAME', 'PATTERN', 'PRINCIPAL', 'HOST', 'OPERATION', 'PERMISSION'], rows));
}

/** list / remove: one filter per resource named (any resource when none) and per principal / operation given. */
function filtersOf(args: ParsedArgs, command: string): AclBindingFilter[] {
  const patternType = codeOf(PatternType, args.string('resource-pattern-type') ?? 'any', 'pattern type', command);
  const resources: { resourceType: number; name: string | null }[] = resourcesOf(args, command);
  if (resources.length === 0) resources.push({ resourceType: ResourceType.ANY, name: null });
  // --allow-principal / --deny-principal (remove) match that permission only, as kafka-acls.sh's; --principal (list) either.
  const principals: { principal: string | null; permissionType: number }[] = [
    ...args.strings('principal').map((principal) => ({ principal, permissionType: PermissionType.ANY as number })),
    ...args.strings('allow-principal').map((principal) => ({ principal, permissionType: PermissionType.ALLOW as number })),
    ...args.strings('deny-principal').map((principal) => ({ principal, permissionType: PermissionType.DENY as number })),
  ];
  if (principals.length === 0) principals.push({ principal: null, permissionType: PermissionType.ANY });
  const operations = args.strings('operation').map((o) => codeOf(AclOperation, o, 'operation', command));
  if (operations.length === 0) operations.push(AclOperation.ANY);
  return resources.flatMap((r) =>
    principals.flatMap(({ principal, permissionType }) =>
      operations.map((operation) => ({ resourceType: r.resourceType, name: r.name, patternType, principal, host: null, operation, permissionType })),
    ),
  );
}

const add = {
  name: 'add',
  spec: {
    usage: 'weir acl add (--allow-principal P | --deny-principal P)... RESOURCE... [options]',
    summary: 'create ACLs (every principal x host x operation x resource given)',
    options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, ...ENTRY_OPTIONS, ...RESOURCE_OPTIONS, patternTypeOption('literal')],
    notes:
      'examples:\n  weir acl add --allow-principal User:alice --operation Read --operation Write --topic orders\n' +
      '  weir acl add --allow-principal User:alice --operation Read --group orders- --resource-pattern-type prefixed\n' +
      '  weir acl add --deny-principal User:bob --operation All --topic payments',
  },
  async run(args: ParsedArgs) {
    const command = 'acl add';
    checkPrincipals(args, command);
    const entries = entriesOf(args);
    if (entries.length === 0) throw new UsageError('give --allow-principal or --deny-principal', command);
    const patternType = codeOf(PatternType, args.string('resource-pattern-type') ?? 'literal', 'pattern type', command);
    if (patternType !== PatternType.LITERAL && patternType !== PatternType.PREFIXED) throw new UsageError('--resource-pattern-type for add is literal or prefixed', command);
    const operations = args.strings('operation').map((o) => codeOf(AclOperation, o, 'operation', command));
    if (operations.length === 0) operations.push(AclOperation.ALL);
    const acls: AclBinding[] = resourcesOf(args, command).flatMap((r) =>
      entries.flatMap((e) =>
        operations.map(
          (operation): AclBinding => ({
            pattern: { resourceType: r.resourceType, name: r.name, patternType } as AclBinding['pattern'],
            entry: { principal: e.principal, host: e.host, operation, permissionType: e.permissionType } as AclBinding['entry'],
          }),
        ),
      ),
    );
    const { createAcls } = require('../../client') as typeof import('../../client');
    await withClient(args, (client) => createAcls(client, acls));
  },
};

const list = {
  name: 'list',
  spec: {
    usage: 'weir acl list [RESOURCE...] [options]',
    summary: 'ACLs (all, or those on the resources / of the principals given)',
    options: [
      BOOTSTRAP_OPTION,
      COMMAND_CONFIG_OPTION,
      ...RESOURCE_OPTIONS,
      { name: 'principal', value: 'PRINCIPAL', repeatable: true, help: 'only the ACLs of this principal' },
      patternTypeOption('any'),
    ],
    notes: 'examples:\n  weir acl list\n  weir acl list --topic orders --resource-pattern-type match\n  weir acl list --principal User:alice',
  },
  async run(args: ParsedArgs) {
    const filters = filtersOf(args, 'acl list');
    const { describeAcls } = require('../../client') as typeof import('../../client');
    const acls = await withClient(args, async (client) => (await Promise.all(filters.map((f) => describeAcls(client, f)))).flat());
    printAcls(acls);
  },
};

const remove = {
  name: 'remove',
  spec: {
    usage: 'weir acl remove RESOURCE... [options]',
    summary: 'delete the ACLs on the resources (only those of the principals / operations given, if any); prints them',
    options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, ...ENTRY_OPTIONS.filter((o) => !o.name.endsWith('-host')), ...RESOURCE_OPTIONS, patternTypeOption('any')],
    notes: 'examples:\n  weir acl remove --topic orders\n  weir acl remove --allow-principal User:alice --operation Write --topic orders',
  },
  async run(args: ParsedArgs) {
    const command = 'acl remove';
    checkPrincipals(args, command);
    if (resourcesOf(args, command).length === 0) throw new UsageError('name a resource: --topic, --group, --cluster, --transactional-id, --delegation-token or --user-principal', command);
    const { deleteAcls } = require('../../client') as typeof import('../../client');
    printAcls(await withClient(args, (client) => deleteAcls(client, filtersOf(args, command))));
  },
};

export const aclCommand: Command = commandGroup('acl', 'manage ACLs (enforced when the broker sets authorizer.class.name)', [add, list, remove]);
