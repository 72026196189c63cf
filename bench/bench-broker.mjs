// @ts-check
/**
 * Starts the compiled broker (`dist/cli/main.js start`, as `npm start` runs
 * it) on a free port and a fresh temp data dir, for the bench scripts.
 * Resolves once the banner names the bootstrap address; `stop()` sends
 * SIGTERM (SIGKILL after 10 s) and removes the data dir.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist/cli/main.js');

/**
 * @param {string} name  temp dir prefix, e.g. 'groups'
 * @param {Record<string, string | number>} overrides  broker properties
 * @param {{ cli?: string, nodeArgs?: string[], dataDir?: string }} [o]  another build's cli/main.js (A/B runs);
 *   extra Node flags; an existing data dir to (re)start on, which `stop()` then leaves in place
 */
export async function startBenchBroker(name, overrides = {}, o = {}) {
  const t0 = performance.now();
  const dataDir = o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `weir-bench-${name}-`));
  const args = [...(o.nodeArgs ?? []), o.cli ?? CLI, 'start', '--port', '0', '--data-dir', dataDir];
  for (const [k, v] of Object.entries(overrides)) args.push('--override', `${k}=${v}`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.on('data', (d) => (out += d));
  const bootstrap = await new Promise((resolve, reject) => {
    // Long enough for a restart that recovers thousands of partitions.
    const timer = setTimeout(() => reject(new Error(`no banner:\n${out}`)), 300_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.length > 1e6) out = out.slice(-1e5);
      const m = /"bootstrapServers":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    /** @type {string} */ bootstrap,
    /** @type {number} */ pid: /** @type {number} */ (child.pid),
    /** spawn -> banner, ms */
    startMs: Math.round(performance.now() - t0),
    dataDir,
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      // A broker closing thousands of logs takes a while.
      const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(t);
      if (!o.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
