/**
 * Starts and stops a real etcd (Debian's `etcd-server` package, /usr/bin/etcd,
 * 3.4) for tests and for `startCluster()`: one member on loopback ports
 * picked free, a temporary data dir, its output in a log file, and killed
 * when the process that started it exits, however it exits.
 *
 * The timings are etcd's own knobs, made small so that leases can be short:
 * - `--heartbeat-interval 10` / `--election-timeout 100` (etcd: 100 / 1000).
 *   etcd refuses a lease TTL below 1.5 election timeouts (rounded up to whole
 *   seconds): 2 s with its defaults, 1 s with these. A broker session of 1 s
 *   then lets a dead broker be noticed in ~1-1.5 s (etcd checks for expired
 *   leases every 500 ms), which is what failover tests need. One member on
 *   loopback elects itself in one election timeout, so start is fast too.
 * - everything else is etcd's default, including `--max-request-bytes`
 *   (1.5 MiB), the limit the metadata store sizes its writes against, and
 *   fsync on every commit (commit latencies measured here are real ones).
 *
 * etcd is run under a tiny shell guardian that holds a pipe from this
 * process: when this process dies (even SIGKILLed, or a Jest worker torn
 * down) the pipe closes and the guardian SIGKILLs etcd, so no etcd outlives
 * its test. The guardian reports etcd's own pid, so tests can SIGSTOP or
 * SIGKILL etcd itself.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where Debian's etcd-server package puts the server. `WEIR_ETCD_BIN` overrides. */
export const DEFAULT_ETCD_BINARY = '/usr/bin/etcd';

export class EtcdNotInstalledError extends Error {
  constructor(looked: string) {
    super(
      `etcd is not installed (looked for ${looked}): install Debian's etcd-server package ` +
        `(apt-get install etcd-server, etcd 3.4; .ci/run installs it) or set WEIR_ETCD_BIN to an etcd 3.4+ binary`,
    );
    this.name = 'EtcdNotInstalledError';
  }
}

/** The etcd binary to run; throws EtcdNotInstalledError naming the package when there is none. */
export function findEtcdBinary(): string {
  const configured = process.env.WEIR_ETCD_BIN;
  const candidate = configured && configured.length > 0 ? configured : DEFAULT_ETCD_BINARY;
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return candidate;
  } catch {
    // Not where Debian puts it: any etcd on PATH will do.
    const which = spawnSync('/bin/sh', ['-c', 'command -v etcd'], { encoding: 'utf8', env: process.env });
    const found = which.status === 0 ? which.stdout.trim() : '';
    if (found.length > 0) return found;
    throw new EtcdNotInstalledError(candidate);
  }
}

export interface EtcdServerOptions {
  /** Data dir to use (kept on close); a fresh temp dir otherwise (removed on close). */
  dataDir?: string;
  /** Log file; `<dataDir>/../etcd-<port>.log` beside a temp data dir otherwise. */
  logFile?: string;
  /** etcd's --heartbeat-interval in ms (10 here, see the file header). */
  heartbeatIntervalMs?: number;
  /** etcd's --election-timeout in ms (100 here). */
  electionTimeoutMs?: number;
  /** etcd's --max-request-bytes (etcd's default, 1.5 MiB, unless set). */
  maxRequestBytes?: number;
  /** How long to wait for the member to report healthy. */
  startTimeoutMs?: number;
}

export interface RunningEtcd {
  /** Client URLs, as `etcd.endpoints` takes them. */
  readonly endpoints: readonly string[];
  readonly clientPort: number;
  readonly dataDir: string;
  readonly logFile: string;
  /** etcd's own pid (not the guardian's); changes on restart. */
  readonly pid: number;
  /** Sends `signal` to etcd itself (SIGSTOP / SIGCONT to freeze it, SIGKILL to crash it). */
  signal(signal: NodeJS.Signals): void;
  /** Stops etcd (SIGTERM; SIGKILL after 5 s) and waits until it has exited. */
  stop(): Promise<void>;
  /** SIGKILLs etcd and waits until it has exited (a crash: no clean shutdown). */
  kill(): Promise<void>;
  /** Starts etcd again on the same ports and data dir (after stop or kill) and waits until it is healthy. */
  restart(): Promise<void>;
  /** Stops etcd and removes the data dir if it was a temporary one. */
  close(): Promise<void>;
}

/**
 * The guardian: starts etcd in the background with its output appended to
 * the log, prints etcd's pid, then waits for whichever comes first: etcd
 * exiting (the guardian exits with its status), or its stdin closing (the
 * parent is gone: SIGKILL etcd). `cat` blocks on stdin; a SIGSTOPped etcd is
 * still SIGKILLed.
 */
const GUARDIAN = [
  'log="$1"; shift',
  // A background job's stdin is /dev/null unless redirected: keep ours on fd 3.
  'exec 3<&0',
  '"$@" </dev/null 3<&- >>"$log" 2>&1 &',
  'etcd=$!',
  'echo "$etcd"',
  '( cat <&3 >/dev/null; kill -KILL "$etcd" 2>/dev/null ) &',
  'watcher=$!',
  'wait "$etcd"; status=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join('\n');

/** A free loopback port (the OS picks it; closed again before etcd binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function healthy(clientUrl: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${clientUrl}/health`, { timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 && /"health"\s*:\s*"true"/.test(body)));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function tail(file: string, bytes = 4000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '(no log)';
  }
}

function unrefStream(stream: unknown): void {
  (stream as { unref?: () => void } | null)?.unref?.();
}

interface Member {
  guardian: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
}

export async function startEtcd(options: EtcdServerOptions = {}): Promise<RunningEtcd> {
  const binary = findEtcdBinary();
  const ownDir = options.dataDir === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'weir-etcd-')) : null;
  const dataDir = options.dataDir ?? path.join(ownDir!, 'data');
  const heartbeat = options.heartbeatIntervalMs ?? 10;
  const election = options.electionTimeoutMs ?? 100;
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;

  // Ports are picked free and then handed to etcd, so another process can
  // take one in between: a start that fails to bind is retried on new ports.
  let lastError: Error | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const clientPort = await freePort();
    const peerPort = await freePort();
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const logFile = options.logFile ?? path.join(ownDir ?? path.dirname(dataDir), `etcd-${clientPort}.log`);
    const name = 'weir';
    const args = [
      '--name', name,
      '--data-dir', dataDir,
      '--listen-client-urls', clientUrl,
      '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `${name}=${peerUrl}`,
      '--initial-cluster-state', 'new',
      '--heartbeat-interval', String(heartbeat),
      '--election-timeout', String(election),
      '--logger', 'zap',
      '--log-level', 'info',
    ];
    if (options.maxRequestBytes !== undefined) args.push('--max-request-bytes', String(options.maxRequestBytes));

    const launch = async (): Promise<Member> => {
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      const guardian = spawn('sh', ['-c', GUARDIAN, 'etcd-guardian', logFile, binary, ...args], {
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      const exited = new Promise<number | null>((resolve) => guardian.once('exit', (code) => resolve(code)));
      const pid = await new Promise<number>((resolve, reject) => {
        let out = '';
        guardian.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const line = /^(\d+)\n/.exec(out);
          if (line) resolve(Number(line[1]));
        });
        guardian.once('exit', (code) => reject(new Error(`etcd guardian exited with ${code}`)));
        guardian.once('error', reject);
      });
      // Once started, a running etcd must not keep this process alive on its
      // own: its stdin pipe stays open (that is the point) until this
      // process exits or stop() ends it. stop() holds a reference while it
      // waits for the exit.
      guardian.unref();
      unrefStream(guardian.stdin);
      unrefStream(guardian.stdout);
      const deadline = Date.now() + startTimeoutMs;
      let exitCode: number | null | undefined;
      void exited.then((code) => (exitCode = code));
      for (;;) {
        if (await healthy(clientUrl)) return { guardian, pid, exited };
        if (exitCode !== undefined) throw new Error(`etcd exited with ${exitCode} while starting; log ${logFile}:\n${tail(logFile)}`);
        if (Date.now() > deadline) {
          guardian.stdin!.end(); // the guardian kills etcd
          await exited;
          throw new Error(`etcd was not healthy within ${startTimeoutMs} ms; log ${logFile}:\n${tail(logFile)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    let member: Member;
    try {
      member = await launch();
    } catch (err) {
      lastError = err as Error;
      if (/address already in use/.test(lastError.message)) continue;
      if (ownDir) fs.rmSync(ownDir, { recursive: true, force: true });
      throw lastError;
    }

    let current: Member | null = member;
    const waitExit = async (signal: NodeJS.Signals, graceMs: number) => {
      const m = current;
      if (!m) return;
      current = null;
      try {
        process.kill(m.pid, 'SIGCONT'); // a frozen etcd cannot act on SIGTERM
        process.kill(m.pid, signal);
      } catch {
        // already gone
      }
      const escalate = setTimeout(() => m.guardian.stdin!.end(), graceMs);
      m.guardian.ref();
      await m.exited;
      clearTimeout(escalate);
      m.guardian.stdin!.destroy();
      m.guardian.stdout!.destroy();
    };

    const running: RunningEtcd = {
      endpoints: [clientUrl],
      clientPort,
      dataDir,
      logFile,
      get pid() {
        if (!current) throw new Error('etcd is not running');
        return current.pid;
      },
      signal(signal) {
        if (!current) throw new Error('etcd is not running');
        process.kill(current.pid, signal);
      },
      stop: () => waitExit('SIGTERM', 5000),
      kill: () => waitExit('SIGKILL', 0),
      async restart() {
        if (current) await waitExit('SIGTERM', 5000);
        current = await launch();
      },
      async close() {
        await waitExit('SIGTERM', 5000);
        if (ownDir) fs.rmSync(ownDir, { recursive: true, force: true });
      },
    };
    return running;
  }
  if (ownDir) fs.rmSync(ownDir, { recursive: true, force: true });
  throw lastError ?? new Error('etcd did not start');
}
