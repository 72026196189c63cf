/**
 * `weir start` handles SIGTERM and SIGINT from its first moments, not only
 * once it prints its banner. Whoever waits for that banner (startCluster, a
 * supervisor, a test's afterAll) may signal the instant it appears; a signal
 * that found no handler killed the broker on the spot: no controlled
 * shutdown, nothing flushed, and in a cluster a registration the other
 * brokers then waited out (broker.session.timeout.ms) before they could stop.
 *
 * Each test signals the broker at its first log line, while it is still
 * starting, and expects it to finish starting, shut down gracefully and exit 0.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './support/broker-process';

const CLI = path.resolve(__dirname, '../dist/cli/main.js');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Starts `weir start ARGS`, sends `signal` when it prints its first line, and resolves when it exits. */
function signalWhileStarting(signal: NodeJS.Signals, args: string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--log-level', 'info', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let signalled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the broker did not exit after ${signal}:\n${output}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (!signalled && output.includes('\n')) {
        signalled = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, output });
    });
  });
}

function lines(output: string): { msg?: string; signal?: string }[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string; signal?: string });
}

test('a SIGTERM while the broker starts on disk stops it gracefully once it has started', async () => {
  const dataDir = tempDir('weir-start-signal-');
  try {
    const exit = await signalWhileStarting('SIGTERM', ['--data-dir', dataDir]);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    const msgs = lines(exit.output);
    expect(msgs.find((l) => l.msg === 'shutting down')?.signal).toBe('SIGTERM');
    expect(msgs.some((l) => l.msg?.startsWith('Weir listening on '))).toBe(true);
    // The same data dir starts (and stops) again.
    const again = await signalWhileStarting('SIGTERM', ['--data-dir', dataDir]);
    expect({ code: again.code, signal: again.signal }).toEqual({ code: 0, signal: null });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a SIGINT (Ctrl-C) while the broker starts in memory stops it the same way', async () => {
  const exit = await signalWhileStarting('SIGINT', ['--memory']);
  expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
  expect(lines(exit.output).find((l) => l.msg === 'shutting down')?.signal).toBe('SIGINT');
});
