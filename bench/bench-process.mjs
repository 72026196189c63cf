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

/**
 * Runs `cmd args` like runCommand, and also returns the command's own
 * user+system CPU seconds: it runs under `sh`, which prints its reaped
 * children's times (/proc/self/stat cutime+cstime) once the command exits.
 * @returns {Promise<{ code: number | null, out: string, timedOut: boolean, ms: number, cpuS: number }>}
 */
export async function runCommandWithCpu(cmd, args, timeoutMs) {
  const script = '"$@"; rc=$?; read -r stat < /proc/$$/stat; echo "@@children-cpu ${stat##*) }"; exit $rc';
  const r = await runCommand('/bin/sh', ['-c', script, 'sh', cmd, ...args], timeoutMs);
  const m = /^@@children-cpu (.*)$/m.exec(r.out);
  const f = m ? m[1].split(' ') : [];
  // After "comm) ": state is field 0, so cutime and cstime are 13 and 14.
  const cpuS = m ? (Number(f[13]) + Number(f[14])) / CLK_TCK : NaN;
  return { ...r, out: r.out.replace(/^@@children-cpu .*\n?/m, ''), cpuS };
}

/**
 * CPU seconds the whole machine spent busy (every core; user, system,
 * interrupts, softirq and steal, from /proc/stat): on loopback a byte's TCP
 * work is charged to whichever process happens to run it, so the sum is the
 * fair cost of a run when nothing else is running.
 */
export function machineBusySeconds() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / CLK_TCK;
}

/** user+system CPU seconds of a process (every thread), NaN when it cannot be read. */
export function cpuSeconds(pid) {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

/**
 * User and system CPU seconds of a process (every thread), NaN when they
 * cannot be read. The split says whether a cost is the program's own code
 * or the kernel's work on its behalf (socket copies, file reads).
 */
export function cpuTimes(pid) {
  if (!pid) return { user: NaN, system: NaN };
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(f[11]) / CLK_TCK, system: Number(f[12]) / CLK_TCK };
  } catch {
    return { user: NaN, system: NaN };
  }
}

/** VmRSS of a process in MB (one decimal). */
export function rssMB(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
}
