import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EtcdNotInstalledError, findEtcdBinary, startEtcd } from './etcd-server';

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('startEtcd', () => {
  it('starts a healthy member on free loopback ports, logs to a file, restarts on the same data, and cleans up', async () => {
    const etcd = await startEtcd();
    try {
      expect(etcd.endpoints).toEqual([`http://127.0.0.1:${etcd.clientPort}`]);
      expect(processExists(etcd.pid)).toBe(true);
      expect(fs.readFileSync(etcd.logFile, 'utf8')).toMatch(/serving client traffic/);
      const firstPid = etcd.pid;
      await etcd.kill();
      expect(processExists(firstPid)).toBe(false);
      await etcd.restart();
      expect(etcd.pid).not.toBe(firstPid);
      expect(fs.existsSync(path.join(etcd.dataDir, 'member'))).toBe(true);
    } finally {
      await etcd.close();
    }
    expect(fs.existsSync(etcd.dataDir)).toBe(false);
  }, 30_000);

  it('dies with the process that started it, even when that process is SIGKILLed', async () => {
    const script = `
      const { startEtcd } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/testing/etcd-server.js'))});
      startEtcd().then((etcd) => { process.stdout.write(etcd.pid + '\\n'); setInterval(() => {}, 1000); });
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    });
    expect(processExists(pid)).toBe(true);
    child.kill('SIGKILL');
    await until('etcd to be killed by its guardian', () => !processExists(pid));
  }, 30_000);

  it('names the package to install when there is no etcd', () => {
    const saved = { bin: process.env.WEIR_ETCD_BIN, path: process.env.PATH };
    process.env.WEIR_ETCD_BIN = '/nonexistent/etcd';
    process.env.PATH = '/nonexistent';
    try {
      expect(() => findEtcdBinary()).toThrow(EtcdNotInstalledError);
      expect(() => findEtcdBinary()).toThrow(/apt-get install etcd-server/);
    } finally {
      if (saved.bin === undefined) delete process.env.WEIR_ETCD_BIN;
      else process.env.WEIR_ETCD_BIN = saved.bin;
      process.env.PATH = saved.path;
    }
  });
});
