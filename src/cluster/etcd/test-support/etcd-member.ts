/**
 * A broker's etcd side in a real child process, for tests that must freeze
 * (SIGSTOP) or kill (SIGKILL) a lease holder: it opens a session, registers
 * as a broker, stands for controller and follows the metadata log, using the
 * compiled modules in dist/ (run `npm run build` first; `npm test` does).
 *
 * It prints one JSON line per event on stdout ({"event":"registered"},
 * {"event":"elected"}, {"event":"session","state":...}, ...) and answers
 * commands on stdin, one per line:
 *   status        -> {"event":"status","alive":bool,"state":...,"controller":bool}
 *   commit <n>    -> {"event":"commit","ok":bool,"offset"|"error":...}
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

const DIST = path.resolve(__dirname, '../../../../dist/cluster/etcd');

const SCRIPT = `
const { connectEtcd } = require(${JSON.stringify(path.join(DIST, 'etcd-client.js'))});
const { EtcdKeys } = require(${JSON.stringify(path.join(DIST, 'etcd-keys.js'))});
const { EtcdSession } = require(${JSON.stringify(path.join(DIST, 'etcd-session.js'))});
const { OwnBrokerRegistration } = require(${JSON.stringify(path.join(DIST, 'broker-registration.js'))});
const { ControllerElection } = require(${JSON.stringify(path.join(DIST, 'controller-election.js'))});
const { EtcdMetadataStore } = require(${JSON.stringify(path.join(DIST, 'etcd-metadata-store.js'))});
const [endpoints, prefix, nodeId, sessionMs, heartbeatMs, registrationTimeoutMs] = JSON.parse(process.argv[1]);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
(async () => {
  const client = connectEtcd({ endpoints, requestTimeoutMs: 2000 });
  const keys = new EtcdKeys(prefix);
  const session = await EtcdSession.open(client, { sessionTimeoutMs: sessionMs, heartbeatIntervalMs: heartbeatMs });
  session.onStateChange((state) => say({ event: 'session', state }));
  say({ event: 'session', state: session.state, leaseId: session.leaseId, ttlMs: session.ttlMs });
  let registration;
  try {
    registration = await OwnBrokerRegistration.register({
      client, keys, session, timeoutMs: registrationTimeoutMs,
      broker: { id: nodeId, rack: 'rack-' + nodeId, endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + nodeId, securityProtocol: 0 }] },
    });
  } catch (err) {
    say({ event: 'registration-failed', name: err.name, message: err.message });
    process.exit(3);
  }
  say({ event: 'registered', epoch: registration.broker.epoch, incarnationId: registration.broker.incarnationId });
  const election = await ControllerElection.start({ client, keys, nodeId, session });
  election.onElected((f) => say({ event: 'elected', epoch: f.epoch }));
  election.onResigned((f) => say({ event: 'resigned', epoch: f.epoch }));
  await election.stand();
  const store = new EtcdMetadataStore({ client, keys, fence: () => election.fence, codec: { encode: (s) => Buffer.from(s), decode: (b) => b.toString() } });
  await store.start(() => {});
  say({ event: 'ready' });
  let buffered = '';
  process.stdin.on('data', async (chunk) => {
    buffered += chunk.toString();
    let nl;
    while ((nl = buffered.indexOf('\\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      const [cmd, arg] = line.split(' ');
      if (cmd === 'status') say({ event: 'status', alive: session.isAlive(), state: session.state, controller: election.isController() });
      if (cmd === 'commit') {
        try {
          say({ event: 'commit', ok: true, offset: await store.commit(['from-' + nodeId], Number(arg)) });
        } catch (err) {
          say({ event: 'commit', ok: false, error: err.name, message: err.message });
        }
      }
    }
  });
})().catch((err) => { say({ event: 'crashed', message: String(err && err.stack || err) }); process.exit(2); });
`;

export interface MemberEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

export interface EtcdMember {
  readonly child: ChildProcess;
  readonly events: MemberEvent[];
  /** Resolves with the first event (from now on, or already seen when `seen` is true) matching `match`. */
  next(match: (e: MemberEvent) => boolean, timeoutMs?: number, seen?: boolean): Promise<MemberEvent>;
  send(command: string): void;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILLs the process (if alive) and waits for it to exit. */
  kill(): Promise<void>;
  readonly exited: Promise<number | null>;
}

export interface EtcdMemberOptions {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly nodeId: number;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly registrationTimeoutMs?: number;
}

export function spawnEtcdMember(options: EtcdMemberOptions): EtcdMember {
  const args = [
    options.endpoints,
    options.prefix,
    options.nodeId,
    options.sessionTimeoutMs ?? 1000,
    options.heartbeatIntervalMs ?? 250,
    options.registrationTimeoutMs ?? 10_000,
  ];
  const child = spawn(process.execPath, ['-e', SCRIPT, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const events: MemberEvent[] = [];
  const waiters: { match: (e: MemberEvent) => boolean; resolve: (e: MemberEvent) => void }[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const event = JSON.parse(buffered.slice(0, nl)) as MemberEvent;
      buffered = buffered.slice(nl + 1);
      events.push(event);
      for (const w of [...waiters]) {
        if (w.match(event)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event);
        }
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    events,
    exited,
    next(match, timeoutMs = 15_000, seen = false) {
      if (seen) {
        const found = events.find(match);
        if (found) return Promise.resolve(found);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`node ${options.nodeId}: no matching event within ${timeoutMs} ms; events ${JSON.stringify(events)}; stderr ${stderr}`));
        }, timeoutMs);
        waiters.push({
          match,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    send(command) {
      child.stdin!.write(`${command}\n`);
    },
    signal(signal) {
      child.kill(signal);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      await exited;
    },
  };
}
