/**
 * `weir user scram set|list|delete`: SCRAM credentials, as
 * `kafka-configs.sh --entity-type users --alter --add-config 'SCRAM-SHA-256=[...]'`
 * manages them, through DescribeUserScramCredentials and
 * AlterUserScramCredentials. The password is read from --password or, when
 * that is absent, from the first line of standard input (so it need not
 * appear in the shell history).
 */
import { deleteScramCredential, describeScramUsers, setScramCredential } from '../../client';
import { SCRAM_MAX_ITERATIONS, SCRAM_MECHANISMS, type ScramMechanismName } from '../../security/scram/scram-mechanism';
import { BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, ParsedArgs, UsageError } from '../args';
import { Command, commandGroup, requirePositionals, withClient } from '../command';
import { formatTable } from '../table';

const MECHANISM_OPTION = {
  name: 'mechanism',
  short: 'm',
  value: 'MECHANISM',
  repeatable: true,
  help: 'SCRAM-SHA-256 or SCRAM-SHA-512 (set: default SCRAM-SHA-256; delete: default every mechanism the user has)',
};

function mechanismsOf(args: ParsedArgs, command: string): ScramMechanismName[] {
  return args.strings('mechanism').map((m) => {
    const name = m.toUpperCase();
    if (!SCRAM_MECHANISMS.some((x) => x.name === name)) throw new UsageError(`--mechanism expects SCRAM-SHA-256 or SCRAM-SHA-512, got '${m}'`, command);
    return name as ScramMechanismName;
  });
}

async function readPasswordLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if ((chunk as Buffer).includes(10)) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

const set = {
  name: 'set',
  spec: {
    usage: 'weir user scram set USER [options]',
    summary: 'create or replace a SCRAM credential',
    options: [
      BOOTSTRAP_OPTION,
      COMMAND_CONFIG_OPTION,
      MECHANISM_OPTION,
      { name: 'password', value: 'PASSWORD', help: 'the password (default: the first line of standard input)' },
      { name: 'iterations', short: 'i', value: 'N', help: `PBKDF2 iterations, 4096..${SCRAM_MAX_ITERATIONS} (default 4096)` },
    ],
    notes: 'examples:\n  weir user scram set alice --password alice-secret\n  echo "$PW" | weir user scram set alice -m SCRAM-SHA-512 -i 8192',
  },
  async run(args: ParsedArgs) {
    const [user] = requirePositionals(args, ['USER'], 'user scram set');
    const mechanisms = mechanismsOf(args, 'user scram set');
    const iterations = args.integer('iterations', 1) ?? 4096;
    const password = args.string('password') ?? (await readPasswordLine());
    if (password === '') throw new UsageError('empty password: give --password or a line on standard input', 'user scram set');
    await withClient(args, async (client) => {
      for (const m of mechanisms.length > 0 ? mechanisms : (['SCRAM-SHA-256'] as const)) await setScramCredential(client, user!, m, password, iterations);
    });
  },
};

const list = {
  name: 'list',
  spec: {
    usage: 'weir user scram list [USER...] [options]',
    summary: 'SCRAM users with their mechanisms and iteration counts',
    options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION],
  },
  async run(args: ParsedArgs) {
    const users = await withClient(args, (client) => describeScramUsers(client, args.positionals.length > 0 ? args.positionals : null));
    const rows = users
      .sort((a, b) => a.user.localeCompare(b.user))
      .flatMap((u) => u.credentials.map((c) => [u.user, c.mechanism, c.iterations] as const));
    process.stdout.write(formatTable(['USER', 'MECHANISM', 'ITERATIONS'], rows));
  },
};

const del = {
  name: 'delete',
  spec: {
    usage: 'weir user scram delete USER [options]',
    summary: "delete a user's SCRAM credentials",
    options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, MECHANISM_OPTION],
  },
  async run(args: ParsedArgs) {
    const [user] = requirePositionals(args, ['USER'], 'user scram delete');
    const chosen = mechanismsOf(args, 'user scram delete');
    await withClient(args, async (client) => {
      const mechanisms = chosen.length > 0 ? chosen : (await describeScramUsers(client, [user!]))[0]!.credentials.map((c) => c.mechanism as ScramMechanismName);
      for (const m of mechanisms) await deleteScramCredential(client, user!, m);
    });
  },
};

const scram = commandGroup('user scram', 'SCRAM credentials (SCRAM-SHA-256, SCRAM-SHA-512)', [set, list, del]);

export const userCommand: Command = {
  name: 'user',
  summary: 'manage users: SCRAM credentials',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'scram') return scram.run(rest);
    if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
      process.stdout.write('usage: weir user scram <set|list|delete> [options]\n\nmanage users: SCRAM credentials\n\nRun \'weir user scram --help\' for the commands.\n');
      return;
    }
    throw new UsageError(`unknown command 'weir user ${sub}' (one of: scram)`, 'user');
  },
};
