/**
 * Small shared helpers for integration tests: waiting for a condition with a
 * deadline (never a fixed sleep), running kcat, and reading what the broker
 * process logged or holds open.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Polls `check` until it returns a non-undefined value; throws with `what` at the deadline. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A missing tool the tests drive, said as a sentence instead of a bare spawn ENOENT. */
export function notInstalled(cmd: string, e: Error): Error {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return e;
  const hint = path.basename(cmd) === 'kcat' ? ' (Debian/Ubuntu: apt-get install kcat; .ci/run installs it)' : '';
  return new Error(`${cmd} is not installed or not on PATH: the integration tests drive it as a real client${hint}`);
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kcat with the given arguments and optional stdin; resolves when it exits (killed after timeoutMs). */
export function runKcat(args: readonly string[], stdin?: string, timeoutMs = 30_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    // Collect bytes and decode once: a multi-byte UTF-8 character may be
    // split across two chunks.
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => reject(notInstalled('kcat', e)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
    // kcat may exit before reading its stdin (-L, -C): the write then fails
    // with EPIPE, depending only on timing. Its exit code and output are
    // what callers check.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });
}

/** Broker log lines (pino JSON) that mention the client connection from `localPort`. */
export function logLinesForClientPort(output: string, localPort: number): string[] {
  const needle = `"remote":"127.0.0.1:${localPort}"`;
  return output.split('\n').filter((l) => l.includes(needle));
}

/** Open file descriptors of a process (Linux /proc), or null where /proc is unavailable. */
export function openFdCount(pid: number): number | null {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}
