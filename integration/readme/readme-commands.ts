/**
 * Helpers for the README commands test: reading the two commands out of the
 * README's own text, and running a shell command in its own process group
 * (so that `npm` and everything it starts can be signalled and reaped as one).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ReadmeCommands {
  /** The fenced block that starts a broker (`npm ci && npm start` today). */
  readonly start: string;
  /** The fenced block that runs every test (`npm ci && npm test` today). */
  readonly test: string;
}

export const SECTION_HEADING = '## The two commands';

/**
 * The two `sh` blocks under "## The two commands", in README order: the first
 * starts the broker, the second runs the tests. Throws a sentence naming what
 * is missing, because a README that lost them is exactly what this test is
 * meant to catch.
 */
export function extractReadmeCommands(readme: string): ReadmeCommands {
  const lines = readme.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === SECTION_HEADING);
  if (start < 0) throw new Error(`README.md has no "${SECTION_HEADING}" section: the README's start and test commands cannot be checked`);
  // The section ends at the next heading of the same or a higher level.
  let end = lines.findIndex((l, i) => i > start && /^#{1,2}\s/.test(l));
  if (end < 0) end = lines.length;

  const blocks: string[] = [];
  let current: string[] | null = null;
  for (const line of lines.slice(start + 1, end)) {
    if (current === null) {
      if (/^```sh\s*$/.test(line)) current = [];
    } else if (/^```\s*$/.test(line)) {
      blocks.push(current.join('\n').trim());
      current = null;
    } else {
      current.push(line);
    }
  }
  if (current !== null) throw new Error(`README.md: an \`\`\`sh block under "${SECTION_HEADING}" is never closed`);
  if (blocks.length !== 2) {
    throw new Error(`README.md: expected exactly two \`\`\`sh blocks under "${SECTION_HEADING}" (start, then test), found ${blocks.length}`);
  }
  const [startCmd, testCmd] = blocks as [string, string];
  if (startCmd === '' || testCmd === '') throw new Error(`README.md: an \`\`\`sh block under "${SECTION_HEADING}" is empty`);
  return { start: startCmd, test: testCmd };
}

/**
 * The environment of a fresh shell on this machine: the variables `npm run`
 * and jest add for the outer run (npm_* config and package fields, the outer
 * checkout's node_modules/.bin on PATH, the jest worker id) would otherwise
 * leak into the clone's `npm ci`/`npm test` and make it less fresh than CI.
 */
export function freshShellEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k === 'JEST_WORKER_ID' || k === 'NODE_ENV') continue;
    env[k] = v;
  }
  env['PATH'] = (process.env['PATH'] ?? '')
    .split(':')
    .filter((p) => p !== '' && !/node_modules[/\\]\.bin$/.test(p) && !/node-gyp-bin$/.test(p))
    .join(':');
  return { ...env, ...extra };
}

export interface ShellRun {
  readonly child: ChildProcess;
  /** Process group id (= the shell's pid: it is started as a group leader). */
  readonly pgid: number;
  /** stdout so far. */
  stdout(): string;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** Resolves when the shell has exited and every process holding its pipes has closed them. */
  readonly finished: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True while any process of the group is alive. */
  groupAlive(): boolean;
  /** Signal the whole group; no-op when it is gone. */
  signalGroup(signal: NodeJS.Signals): void;
}

/**
 * bash, found on this process's PATH: the command's own environment may have
 * a PATH without it (the published-package test gives it only node and npm).
 */
function bashPath(): string {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'bash');
    if (dir !== '' && fs.existsSync(candidate)) return candidate;
  }
  return 'bash';
}

/**
 * `bash -c <script>` as the leader of a new process group, with its output
 * kept and echoed (line-prefixed) to our stderr: these steps take minutes,
 * and whoever runs the test should see where it is.
 */
export function runShell(script: string, cwd: string, env: NodeJS.ProcessEnv, label: string): ShellRun {
  const child = spawn(bashPath(), ['-c', script], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start bash for ${label}`);
  const pgid = child.pid;
  let out = '';
  let stdout = '';
  // Chunks break anywhere (jest writes its summary in pieces), so the prefix
  // goes only where a line really starts.
  let atLineStart = true;
  const echo = (d: Buffer): void => {
    const text = d.toString();
    out += text;
    const prefixed = text.replace(/\n(?=.)/g, `\n[${label}] `);
    process.stderr.write(atLineStart && text !== '' ? `[${label}] ${prefixed}` : prefixed);
    if (text !== '') atLineStart = text.endsWith('\n');
  };
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    echo(d);
  });
  child.stderr!.on('data', echo);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = (s: NodeJS.ReadableStream): Promise<void> => new Promise((resolve) => s.once('close', () => resolve()));
  // The pipes close only when the last process writing to them (e.g. the
  // broker that outlives a SIGTERMed bash and npm) has exited.
  const finished = Promise.all([exited, closed(child.stdout!), closed(child.stderr!)]).then(([r]) => r);
  const groupAlive = (): boolean => {
    // kill(-pgid, 0) also succeeds for zombies: the broker outlives bash and
    // npm, so it is an orphan that exits as a zombie until init reaps it.
    // Where /proc exists (Linux, CI), only processes still running count.
    if (fs.existsSync('/proc/self/stat')) return liveGroupMembers(pgid).length > 0;
    try {
      process.kill(-pgid, 0);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw e;
    }
  };
  return {
    child,
    pgid,
    stdout: () => stdout,
    output: () => out,
    finished,
    groupAlive,
    signalGroup(signal) {
      try {
        process.kill(-pgid, signal);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    },
  };
}

/** Pids of the processes in group `pgid` that are not zombies, from /proc. */
export function liveGroupMembers(pgid: number): number[] {
  const pids: number[] = [];
  if (!fs.existsSync('/proc/self/stat')) return pids; // not Linux: unknown
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') pids.push(Number(entry));
  }
  return pids;
}

/** Polls `cond` every 100 ms until it holds or `ms` pass; returns whether it held. */
export async function eventually(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** The last `max` characters, for error messages that quote a long log. */
export function tail(text: string, max = 4000): string {
  return text.length <= max ? text : `…${text.slice(-max)}`;
}

/** Resolves `p`, or rejects with `message` after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
