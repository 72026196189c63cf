/**
 * The package as published: `npm pack` of this checkout, installed from the
 * tarball into an empty directory on a machine that has only Node and npm
 * (PATH holds nothing else: no compiler, make or python, so a dependency
 * that builds native code at install fails here), then `npx weir start
 * --port 0 --memory`, which a real Kafka client (kafkajs) uses before the
 * broker is stopped with SIGTERM.
 *
 * It packs the dist/ that `npm test` has just built (`npm pack
 * --ignore-scripts`, so packing does not build again), with Weir's addon
 * (sendfile, CRC32C) that `npm ci` built and copied to prebuilds/
 * (scripts/build-native.js).
 * The install uses the npm cache the root `npm ci` filled with the runtime
 * dependencies, and prefers it to the registry.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { eventually, freshShellEnv, runShell, ShellRun, tail, withTimeout } from './readme/readme-commands';

const ROOT = path.resolve(__dirname, '..');
const INSTALL_TIMEOUT_MS = 120_000;

let tmp = '';
let bin = '';
let project = '';
let tarball = '';
const runs: ShellRun[] = [];

/** An environment like a machine with only Node and npm: PATH is one directory holding node, npm, npx and sh. */
function nodeOnlyEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...freshShellEnv({}), PATH: bin, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  // The cache the root `npm ci` used (npm passes it to `npm test`), so the runtime dependencies are found there.
  const cache = process.env['npm_config_cache'];
  if (cache) env['npm_config_cache'] = cache;
  return env;
}

/** Runs `script` with bash (by absolute path: it is not on the node-only PATH) and waits for it. */
async function sh(script: string, cwd: string, label: string): Promise<string> {
  const run = runShell(script, cwd, nodeOnlyEnv(), label);
  runs.push(run);
  const r = await withTimeout(run.finished, INSTALL_TIMEOUT_MS, () => `${label} did not finish in ${INSTALL_TIMEOUT_MS / 1000} s:\n${tail(run.output())}`);
  if (r.code !== 0) throw new Error(`${label} failed (code ${r.code}):\n${tail(run.output())}`);
  return run.stdout();
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-package-'));
  bin = path.join(tmp, 'bin');
  project = path.join(tmp, 'empty-project');
  fs.mkdirSync(bin);
  fs.mkdirSync(project);
  const npmCli = fs.realpathSync(execFileSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  const npxCli = fs.realpathSync(execFileSync('bash', ['-c', 'command -v npx'], { encoding: 'utf8' }).trim());
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(npmCli, path.join(bin, 'npm'));
  fs.symlinkSync(npxCli, path.join(bin, 'npx'));
  // npm runs package commands (npx's too) through sh, which every machine has.
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  // `bin` is on PATH before npm's own additions; what a compile would need is not there.
  for (const tool of ['cc', 'gcc', 'g++', 'make', 'python3']) {
    expect(fs.existsSync(path.join(bin, tool))).toBe(false);
  }

  const packed = await sh(`npm pack --ignore-scripts --json --pack-destination ${JSON.stringify(tmp)} ${JSON.stringify(ROOT)}`, tmp, 'npm pack');
  const [info] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(tmp, info!.filename);
  packedFiles = info!.files.map((f) => f.path);
}, INSTALL_TIMEOUT_MS + 30_000);

afterAll(() => {
  for (const run of runs) if (run.groupAlive()) run.signalGroup('SIGKILL');
  if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
});

let packedFiles: string[] = [];

/** Weir's addon (sendfile, CRC32C) as the package ships it for this machine (Linux only). */
const PREBUILT_ADDON = `prebuilds/${process.platform}-${process.arch}/weir_native.node`;
const ON_LINUX = process.platform === 'linux';

test('the tarball holds the compiled broker, its types, its command and the prebuilt native addon, and no sources or tests', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; types: string; bin: Record<string, string> };
  for (const f of [pkg.main, pkg.types, ...Object.values(pkg.bin), 'package.json', 'README.md']) {
    expect(packedFiles).toContain(f.replace(/^\.\//, ''));
  }
  expect(packedFiles.includes(PREBUILT_ADDON)).toBe(ON_LINUX);
  const unexpected = packedFiles.filter((f) => !/^dist\/.*\.(js|d\.ts)$/.test(f) && ![PREBUILT_ADDON, 'package.json', 'README.md', 'LICENSE'].includes(f));
  expect(unexpected).toEqual([]);
  expect(packedFiles.filter((f) => /\.test\.|test-support/.test(f))).toEqual([]);
});

test(
  'installs from the tarball into an empty directory with nothing but Node and npm, building nothing',
  async () => {
    await sh(`npm install --prefer-offline --no-save ${JSON.stringify(tarball)}`, project, 'npm install weir.tgz');
    const modules = path.join(project, 'node_modules');
    expect(fs.existsSync(path.join(modules, 'weir', 'dist', 'cli', 'main.js'))).toBe(true);
    // What only the tests, benchmarks and the build use never comes along.
    for (const devOnly of ['node-rdkafka', 'kafkajs', '@platformatic/kafka', 'jest', 'typescript', '@swc/core', 'zstd-napi']) {
      expect([devOnly, fs.existsSync(path.join(modules, devOnly))]).toEqual([devOnly, false]);
    }
    // No installed package has an install step (npm 11 would skip it unless
    // approved, and it would need the compiler this machine lacks).
    const withInstallScripts: string[] = [];
    const visit = (dir: string): void => {
      for (const entry of fs.readdirSync(dir)) {
        if (entry.startsWith('.')) continue;
        const full = path.join(dir, entry);
        if (entry.startsWith('@')) {
          visit(full);
          continue;
        }
        const manifest = path.join(full, 'package.json');
        if (!fs.existsSync(manifest)) continue;
        const scripts = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
        if (scripts['preinstall'] || scripts['install'] || scripts['postinstall']) withInstallScripts.push(entry);
        if (fs.existsSync(path.join(full, 'node_modules'))) visit(path.join(full, 'node_modules'));
      }
    };
    visit(modules);
    expect(withInstallScripts).toEqual([]);
    // The library entry point and its types, as `import { startBroker } from 'weir'` finds them.
    const entry = await sh(`node -e "const w = require('weir'); console.log(typeof w.startBroker, require.resolve('weir'))"`, project, 'require weir');
    expect(entry.trim()).toBe(`function ${path.join(modules, 'weir', 'dist', 'index.js')}`);
    expect(fs.existsSync(path.join(modules, 'weir', 'dist', 'index.d.ts'))).toBe(true);
  },
  INSTALL_TIMEOUT_MS + 30_000,
);

test('`npx weir start --port 0 --memory` starts a broker a Kafka client can use, with the native addon the tarball ships loaded, and SIGTERM stops it', async () => {
  const run = runShell('npx weir start --port 0 --memory', project, nodeOnlyEnv(), 'npx weir start');
  runs.push(run);
  const address = await withTimeout(
    new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /Weir listening on ([^\s"]+)/.exec(run.stdout());
        if (m) {
          clearInterval(timer);
          resolve(m[1]!);
        }
      }, 50);
      void run.finished.then((r) => {
        clearInterval(timer);
        reject(new Error(`npx weir start exited (code ${r.code}) before listening:\n${tail(run.output())}`));
      });
    }),
    30_000,
    () => `npx weir start did not listen within 30 s:\n${tail(run.output())}`,
  );
  expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
  // Nothing was built at install: the addon that serves fetches and checks CRCs is the one the tarball carries.
  const startLine = JSON.parse(run.stdout().split('\n').find((l) => l.includes('Weir listening on')) ?? '') as { sendfile?: boolean; crc32c?: string };
  expect(startLine.sendfile).toBe(ON_LINUX);
  expect(startLine.crc32c !== '@node-rs/crc32').toBe(ON_LINUX);

  const kafka = new Kafka({ clientId: 'weir-package-check', brokers: [address], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  try {
    await admin.createTopics({ topics: [{ topic: 'from-the-tarball', numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    const [sent] = await producer.send({ topic: 'from-the-tarball', messages: [{ value: 'hello' }] });
    expect(sent?.errorCode).toBe(0);
    expect(await admin.fetchTopicOffsets('from-the-tarball')).toEqual([expect.objectContaining({ partition: 0, high: '1', low: '0' })]);
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }

  run.signalGroup('SIGTERM');
  const result = await withTimeout(run.finished, 30_000, () => `npx weir start was still running 30 s after SIGTERM:\n${tail(run.output())}`);
  expect([0, 143]).toContain(result.code ?? 143);
  expect(await eventually(() => !run.groupAlive(), 5000)).toBe(true);
  expect(run.output()).toContain('shutting down');
  expect(run.output()).not.toContain('shutdown failed');
}, 90_000);
