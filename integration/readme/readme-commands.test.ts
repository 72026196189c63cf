/**
 * Issue 7: the README's two commands, taken from the README's own text, work
 * on a fresh clone. The committed HEAD is cloned into a temp dir with
 * `../shared` beside it (as CI has it); the start command is run exactly as
 * written and a real Kafka client (kafkajs) talks to the broker it starts on
 * localhost:9092; then the test command is run exactly as written in the same
 * clone, made fresh again with `git clean`.
 *
 * Both commands run with an empty npm cache, as on a fresh machine, and the
 * test prints how long each took (the start command split into its `npm ci`
 * and the `npm start` that follows): bench/RESULTS.md and the README quote
 * these numbers; they are never asserted.
 *
 * This takes ~15 minutes (the test command's install builds node-rdkafka, and
 * runs the whole suite), so it is not part of `npm test`: jest.config.js
 * ignores integration/readme/, and `npm run test:readme` (jest.readme.config.js)
 * runs it. That exclusion is also what keeps the nested `npm test` from
 * running this file again; WEIR_README_NESTED makes a regression there fail at
 * once instead of recursing.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  ReadmeCommands,
  ShellRun,
  eventually,
  extractReadmeCommands,
  freshShellEnv,
  liveGroupMembers,
  runShell,
  tail,
  withTimeout,
} from './readme-commands';

const REPO_ROOT = path.resolve(__dirname, '../..');
const REAL_SHARED = path.resolve(REPO_ROOT, '../shared');
const README_PORT = 9092; // what the README promises `npm start` listens on
const MINUTE = 60_000;
// Generous ceilings on a 2-core machine: the start command takes well under
// a minute; the test command builds librdkafka (~4 min) and runs the whole
// suite (~10 min). They only bound a hung run.
const START_TIMEOUT_MS = 10 * MINUTE;
const TEST_TIMEOUT_MS = 50 * MINUTE;
const STOP_TIMEOUT_MS = 30_000;

let tmp = '';
let clone = '';
let commands: ReadmeCommands | null = null;
const runs: ShellRun[] = [];

function requireCommands(): ReadmeCommands {
  if (commands === null) throw new Error('the README commands could not be read (see the first test)');
  return commands;
}

/** A new, empty npm cache directory for one command (removed with `tmp`). */
function emptyNpmCache(name: string): string {
  const dir = path.join(tmp, `npm-cache-${name}`);
  fs.mkdirSync(dir);
  return dir;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Resolves when nothing accepts connections on `host:port`. */
function refusesConnections(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    // ECONNREFUSED, or EADDRNOTAVAIL/ENETUNREACH where there is no IPv6.
    socket.once('error', () => resolve(true));
  });
}

/** Resolves when this process could listen on `host:port` itself (then releases it). */
function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** When things happened, in ms since the command was spawned. */
interface StartTimes {
  /** npm printed `> weir@… start`: the `npm ci` before it is done. */
  npmStart: number | null;
  listening: number;
}

/** Waits until the start command's output says the broker listens, or it exits first. */
function waitForListening(run: ShellRun, spawnedAt: number): Promise<{ address: string; times: StartTimes }> {
  return new Promise((resolve, reject) => {
    let npmStart: number | null = null;
    const check = (): boolean => {
      if (npmStart === null && /^> weir@\S+ start\b/m.test(run.stdout())) npmStart = Date.now() - spawnedAt;
      const m = /Weir listening on ([^\s"]+)/.exec(run.stdout());
      if (m) resolve({ address: m[1]!, times: { npmStart, listening: Date.now() - spawnedAt } });
      return m !== null;
    };
    // Polled often: the times printed below are read off these checks.
    const timer = setInterval(() => {
      if (check()) clearInterval(timer);
    }, 10);
    run.child.once('exit', (code, signal) => {
      // Let the last output arrive before deciding it never listened.
      setTimeout(() => {
        clearInterval(timer);
        if (!check()) {
          reject(new Error(`the README's start command exited (code ${code}, signal ${signal}) before the broker listened:\n${tail(run.output())}`));
        }
      }, 500);
    });
  });
}

/** A kafkajs round trip through the broker the README's command started. */
async function produceAndConsume(bootstrap: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'weir-readme-check', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8 } });
  const topic = `readme-check-${process.pid}`;
  const value = `hello from the README test ${Date.now()}`;

  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(1);
  } finally {
    await admin.disconnect();
  }

  const producer = kafka.producer();
  await producer.connect();
  try {
    const [result] = await producer.send({ topic, messages: [{ key: 'k', value }] });
    expect(result?.errorCode).toBe(0);
  } finally {
    await producer.disconnect();
  }

  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
    });
    expect(await withTimeout(received, MINUTE, () => 'kafkajs consumed nothing within a minute')).toBe(value);
  } finally {
    await consumer.disconnect();
  }
}

beforeAll(() => {
  if (process.env['WEIR_README_NESTED'] === '1') {
    // Only reachable if the nested `npm test` picked this file up: failing
    // here is what stops an endless chain of clones.
    throw new Error('integration/readme/ ran inside the README test\'s own `npm test`: jest.config.js must ignore integration/readme/');
  }
  if (!fs.existsSync(path.join(REAL_SHARED, 'kafka-protocol'))) {
    throw new Error(`${REAL_SHARED}/kafka-protocol is missing: the README test needs ../shared beside the repository, as CI has it`);
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-readme-'));
  clone = path.join(tmp, 'weir');
  // The committed HEAD only, which is what CI tests; uncommitted edits in the
  // working tree are deliberately not seen.
  execFileSync('git', ['clone', '--quiet', REPO_ROOT, clone], { stdio: 'inherit' });
  // The generator and the schema tests read ../shared/kafka-protocol.
  fs.symlinkSync(REAL_SHARED, path.join(tmp, 'shared'), 'dir');
  const head = execFileSync('git', ['-C', clone, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim();
  process.stderr.write(`[readme] testing ${head} in ${clone}\n`);
});

afterAll(() => {
  // A failed or timed-out step may leave a broker or a nested jest behind.
  for (const run of runs) if (run.groupAlive()) run.signalGroup('SIGKILL');
  if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
});

test('README.md has the two commands under "## The two commands"', () => {
  commands = extractReadmeCommands(fs.readFileSync(path.join(clone, 'README.md'), 'utf8'));
  process.stderr.write(`[readme] start command: ${commands.start}\n[readme] test command: ${commands.test}\n`);
});

test(
  'the start command starts a broker on localhost:9092 that a Kafka client can use, and SIGTERM stops it cleanly',
  async () => {
    const { start } = requireCommands();
    // Run literally, so it must get the README's port: a broker someone left
    // running there would otherwise answer our client and pass this test.
    if (!(await canListen('127.0.0.1', README_PORT)) || !(await refusesConnections('::1', README_PORT))) {
      throw new Error(`port ${README_PORT} is already in use on this machine: stop whatever listens there before running the README test (its start command takes that port as written)`);
    }

    // As on a fresh machine: nothing in npm's cache.
    const spawnedAt = Date.now();
    const run = runShell(start, clone, freshShellEnv({ npm_config_cache: emptyNpmCache('start') }), 'readme start');
    runs.push(run);
    let signalled = false;
    const early = run.finished.then((r) => {
      if (!signalled) throw new Error(`the README's start command exited (code ${r.code}, signal ${r.signal}) while the broker should be running:\n${tail(run.output())}`);
    });
    // Keep `early` from being an unhandled rejection while we are not awaiting it.
    early.catch(() => undefined);

    const { address, times } = await withTimeout(waitForListening(run, spawnedAt), START_TIMEOUT_MS, () => `the README's start command did not start a broker within ${START_TIMEOUT_MS / MINUTE} minutes:\n${tail(run.output())}`);
    const split = times.npmStart === null ? '' : ` (npm ci ${seconds(times.npmStart)}, then npm start to listening ${seconds(times.listening - times.npmStart)})`;
    process.stderr.write(`[readme] TIME start command \`${start}\` with an empty npm cache: broker listening after ${seconds(times.listening)}${split}\n`);
    expect(address).toBe(`127.0.0.1:${README_PORT}`);

    // As the README tells people to connect.
    await Promise.race([produceAndConsume(`localhost:${README_PORT}`), early]);

    // What Ctrl-C or a service manager does: every process of the command.
    signalled = true;
    run.signalGroup('SIGTERM');
    const result = await withTimeout(run.finished, STOP_TIMEOUT_MS, () => `the broker was still running ${STOP_TIMEOUT_MS / 1000} s after SIGTERM:\n${tail(run.output())}`);
    // bash and npm die of the signal itself; the broker is what must shut down.
    if (!(result.code === 0 || result.code === 143 || result.signal === 'SIGTERM')) {
      throw new Error(`the README's start command ended with code ${result.code}, signal ${result.signal} after SIGTERM:\n${tail(run.output())}`);
    }
    // The pipes are closed, so whatever is left is on its way out; give it a moment.
    if (!(await eventually(() => !run.groupAlive(), 5000))) {
      throw new Error(`processes of the README's start command were still running after it closed its output: ${liveGroupMembers(run.pgid).join(', ')}`);
    }
    const out = run.output();
    expect(out).toContain('shutting down');
    expect(out).not.toContain('shutdown failed');
    // Broker.close() releases the data-dir lock right before exit(0); a
    // broker that died any other way leaves it behind.
    expect(fs.existsSync(path.join(clone, 'weir-data'))).toBe(true);
    expect(fs.existsSync(path.join(clone, 'weir-data', '.lock'))).toBe(false);
  },
  START_TIMEOUT_MS + 2 * MINUTE,
);

test(
  'the test command passes on the fresh clone',
  async () => {
    const { test: testCommand } = requireCommands();
    // Back to a fresh clone: no node_modules, dist or weir-data from the start command.
    execFileSync('git', ['-C', clone, 'clean', '-ffdxq'], { stdio: 'inherit' });

    const spawnedAt = Date.now();
    const run = runShell(testCommand, clone, freshShellEnv({ WEIR_README_NESTED: '1', npm_config_cache: emptyNpmCache('test') }), 'readme test');
    runs.push(run);
    const result = await withTimeout(run.finished, TEST_TIMEOUT_MS, () => `the README's test command did not finish within ${TEST_TIMEOUT_MS / MINUTE} minutes:\n${tail(run.output())}`);
    const installed = /\[test-deps\] installed in ([\d.]+) s/.exec(run.output());
    process.stderr.write(`[readme] TIME test command \`${testCommand}\` with an empty npm cache: ${seconds(Date.now() - spawnedAt)}${installed ? ` (test-deps/ install ${installed[1]} s)` : ''}\n`);
    if (result.code !== 0) throw new Error(`the README's test command failed (code ${result.code}, signal ${result.signal}):\n${tail(run.output(), 8000)}`);
    // The line scripts/summary-reporter.js prints and CI reads; taken the way
    // .ci/run takes it (the last such line), since jest's own summary may
    // follow it.
    const summaries = run.output().split('\n').filter((l) => /^\d+ passed, \d+ failed/.test(l));
    const m = /^(\d+) passed, (\d+) failed/.exec(summaries[summaries.length - 1] ?? '');
    if (!m) throw new Error(`the README's test command printed no "N passed, N failed" line:\n${tail(run.output())}`);
    expect(Number(m[2])).toBe(0);
    expect(Number(m[1])).toBeGreaterThan(0);
  },
  TEST_TIMEOUT_MS + 2 * MINUTE,
);
