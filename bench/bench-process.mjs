// @ts-check
/**
 * Child processes for the bench scripts: run a command to completion with a
 * time limit, and read a process's CPU time and memory from /proc.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

const CLK_TCK = 100;

/**
 * Runs `cmd args` to completion (SIGKILL after `timeoutMs`).
 * @returns {Promise<{ code: number | null, out: string, timedOut: boolean, ms: number }>} stdout and stderr together in `out`
 */
export function runCommand(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, timedOut, ms: performance.now() - t0 });
    });
  });
}

/** user+system CPU seconds of a process (every thread), NaN when it cannot be read. */
export function cpuSeconds(pid) {
  if (!pid) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** VmRSS of a process in MB (one decimal). */
export function rssMB(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
}
