/**
 * The `weir` CLI as a user runs it: the compiled command as a subprocess,
 * against a real broker process.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';

const CLI = path.resolve(__dirname, '../dist/cli/main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function weir(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, WEIR_BOOTSTRAP_SERVERS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

let broker: BrokerProcess;
let b: string[];
beforeAll(async () => {
  broker = await startBrokerProcess({ memory: true, config: { 'group.initial.rebalance.delay.ms': 0 } });
  b = ['-b', broker.bootstrap];
});
afterAll(async () => {
  await broker.stop();
});

test('--help everywhere', async () => {
  const top = await weir(['--help']);
  expect(top.code).toBe(0);
  for (const c of ['start', 'topic', 'produce', 'consume', 'group']) expect(top.stdout).toContain(c);
  for (const c of [['topic', 'create'], ['produce'], ['consume'], ['group', 'reset-offsets'], ['start']]) {
    const r = await weir([...c, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: weir /);
  }
  const bad = await weir(['topic', 'frobnicate']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("unknown command 'weir topic frobnicate'");
});

test('topic create, list, describe, alter-config, delete', async () => {
  expect((await weir(['topic', 'create', 'cli-t', '-p', '3', '-c', 'retention.ms=86400000', ...b])).stdout).toBe('created topic cli-t\n');
  const list = await weir(['topic', 'list', ...b]);
  expect(list.stdout).toMatch(/^NAME\s+PARTITIONS\s+REPLICAS\n/);
  expect(list.stdout).toMatch(/cli-t\s+3\s+1/);
  const desc = await weir(['topic', 'describe', 'cli-t', ...b]);
  expect(desc.code).toBe(0);
  expect(desc.stdout).toMatch(/retention\.ms\s+86400000\s+dynamic-topic/);
  expect((await weir(['topic', 'alter-config', 'cli-t', '--set', 'retention.ms=1000', ...b])).code).toBe(0);
  expect((await weir(['topic', 'describe', 'cli-t', ...b])).stdout).toMatch(/retention\.ms\s+1000\s/);
  const again = await weir(['topic', 'create', 'cli-t', ...b]);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('TOPIC_ALREADY_EXISTS');
  expect((await weir(['topic', 'delete', 'cli-t', ...b])).stdout).toBe('deleted topic cli-t\n');
  expect((await weir(['topic', 'list', ...b])).stdout).not.toContain('cli-t');
});

test('produce lines from stdin and consume them back with a format', async () => {
  await weir(['topic', 'create', 'cli-rt', '-p', '2', ...b]);
  const p = await weir(['produce', 'cli-rt', '-K', ':', '-H', 'src=test', '-p', '1', ...b], 'a:1\nb:2\nnokey\n');
  expect(p.code).toBe(0);
  expect(p.stderr).toBe('produced 3 messages to cli-rt\n');
  const c = await weir(['consume', 'cli-rt', '--format', '%p %o %k=%v %h\\n', ...b]);
  expect(c.code).toBe(0);
  expect(c.stdout).toBe('1 0 a=1 src=test\n1 1 b=2 src=test\n1 2 =nokey src=test\n');
  expect((await weir(['consume', 'cli-rt', '--offset', '2', '-p', '1', ...b])).stdout).toBe('nokey\n');
  expect((await weir(['consume', 'cli-rt', '-o', '-1', ...b])).stdout).toBe('nokey\n');
  expect((await weir(['consume', 'cli-rt', '--count', '2', ...b])).stdout).toBe('1\n2\n');
  const json = JSON.parse((await weir(['consume', 'cli-rt', '-f', 'json', '-c', '1', ...b])).stdout) as { key: string; headers: Record<string, string> };
  expect(json).toMatchObject({ key: 'a', headers: { src: 'test' } });
});

test('consume --group commits, group describe shows lag, reset-offsets moves it, delete removes it', async () => {
  await weir(['topic', 'create', 'cli-g', '-p', '1', ...b]);
  await weir(['produce', 'cli-g', ...b], 'one\ntwo\nthree\n');
  expect((await weir(['consume', 'cli-g', '--group', 'cli-group', '--count', '2', ...b])).stdout).toBe('one\ntwo\n');
  expect((await weir(['group', 'list', ...b])).stdout).toContain('cli-group');

  let desc = await weir(['group', 'describe', 'cli-group', ...b]);
  expect(desc.code).toBe(0);
  expect(desc.stdout).toMatch(/TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG/);
  expect(desc.stdout).toMatch(/cli-g\s+0\s+2\s+3\s+1\s/);

  // The group resumes where it committed.
  expect((await weir(['consume', 'cli-g', '--group', 'cli-group', ...b])).stdout).toBe('three\n');
  expect((await weir(['group', 'describe', 'cli-group', ...b])).stdout).toMatch(/cli-g\s+0\s+3\s+3\s+0\s/);

  const dry = await weir(['group', 'reset-offsets', 'cli-group', '--topic', 'cli-g', '--to-earliest', ...b]);
  expect(dry.stdout).toMatch(/cli-g\s+0\s+3\s+0/);
  expect(dry.stdout).toContain('dry run');
  expect((await weir(['group', 'describe', 'cli-group', ...b])).stdout).toMatch(/cli-g\s+0\s+3\s+3\s+0\s/);
  expect((await weir(['group', 'reset-offsets', 'cli-group', '--topic', 'cli-g', '--to-earliest', '--execute', ...b])).code).toBe(0);
  expect((await weir(['group', 'describe', 'cli-group', ...b])).stdout).toMatch(/cli-g\s+0\s+0\s+3\s+3\s/);
  expect((await weir(['group', 'reset-offsets', 'cli-group', '--topic', 'cli-g', '--shift-by', '2', '--execute', ...b])).code).toBe(0);
  expect((await weir(['group', 'describe', 'cli-group', ...b])).stdout).toMatch(/cli-g\s+0\s+2\s+3\s+1\s/);

  expect((await weir(['group', 'delete', 'cli-group', ...b])).stdout).toBe('deleted group cli-group\n');
  expect((await weir(['group', 'list', ...b])).stdout).not.toContain('cli-group');
});

test('common mistakes get one clear sentence', async () => {
  const unknown = await weir(['consume', 'no-such-topic', ...b]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toBe("weir: topic 'no-such-topic': UNKNOWN_TOPIC_OR_PARTITION: see `weir topic list`; create it with `weir topic create NAME`\n");

  const down = await weir(['topic', 'list', '-b', '127.0.0.1:1']);
  expect(down.code).toBe(1);
  expect(down.stderr).toContain('cannot reach a broker at 127.0.0.1:1 (connection refused)');

  const portInUse = await weir(['start', '--memory', '--port', String(broker.port)]);
  expect(portInUse.code).toBe(1);
  expect(portInUse.stdout).toContain(`port ${broker.port} is already in use`);

  const usage = await weir(['consume', 'x', '--count', 'many', ...b]);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain("--count expects an integer >= 1, got 'many'");
});

test('a data dir held by another broker is refused with the reason', async () => {
  const onDisk = await startBrokerProcess();
  try {
    const r = await weir(['start', '--port', '0', '--data-dir', onDisk.dataDir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`data directory ${onDisk.dataDir} is in use by another broker`);
  } finally {
    await onDisk.stop();
  }
});

test('weir start names the Kafka configs it accepts but ignores, in one line', async () => {
  const other = await startBrokerProcess({
    memory: true,
    config: { 'max.connection.creation.rate': 10, 'log.cleaner.threads': 2, 'num.partitions': 2, 'max.connections': 10 },
  });
  try {
    const lines = other.output().split('\n').filter((l) => l.includes('accepted but not supported'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('max.connection.creation.rate');
    expect(lines[0]).toContain('log.cleaner.threads');
    expect(lines[0]).not.toContain('num.partitions');
    expect(lines[0]).not.toContain('"max.connections"'); // honoured since the connection limits
  } finally {
    await other.stop();
  }
});
