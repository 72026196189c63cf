/**
 * Starts a real Weir broker as a child process (the compiled CLI, exactly as
 * `npm start` runs it) on an ephemeral port, for integration tests.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CLI = path.resolve(__dirname, '../../dist/cli/main.js');

export interface BrokerProcess {
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** host:port of every listener by name (PLAINTEXT, SASL_SSL, ...), from the start-up log line. */
  readonly listeners: Readonly<Record<string, string>>;
  readonly child: ChildProcess;
  /** Everything the broker printed so far. */
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Reuse a data dir (restart tests); a fresh temp dir otherwise. */
  dataDir?: string;
  /** Extra `--override key=value` broker properties. */
  config?: Record<string, string | number | boolean>;
  port?: number;
  memory?: boolean;
  /** More `weir start` arguments (e.g. --metrics-port 0). */
  args?: string[];
}

export function tempDir(prefix = 'weir-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startBrokerProcess(opts: StartOptions = {}): Promise<BrokerProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  const args = [CLI, 'start', '--port', String(opts.port ?? 0), '--log-level', 'info'];
  if (opts.memory) args.push('--memory');
  else args.push('--data-dir', dataDir);
  for (const [k, v] of Object.entries(opts.config ?? {})) args.push('--override', `${k}=${v}`);
  args.push(...(opts.args ?? []));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let listeners: Record<string, string> = {};
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"bootstrapServers":"([^"]+):(\d+)"/.exec(out) ?? /listening on ([\d.a-z]+):(\d+)/.exec(out);
      const l = /"listeners":(\{[^}]*\})/.exec(out);
      if (l) listeners = JSON.parse(l[1]!) as Record<string, string>;
      if (m) resolve(Number(m[2]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`broker exited with ${code} before listening:\n${out}`)));
    setTimeout(() => reject(new Error(`broker did not start within 20 s:\n${out}`)), 20_000).unref();
  });
  const host = '127.0.0.1';
  return {
    bootstrap: `${host}:${port}`,
    host,
    port,
    dataDir,
    listeners,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
