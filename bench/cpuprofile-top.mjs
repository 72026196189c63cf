#!/usr/bin/env node
/**
 * Summarises V8 .cpuprofile files (from `node --cpu-prof`): top functions by
 * self time, and self time per source file.
 *
 *   node bench/cpuprofile-top.mjs PROFILE.cpuprofile [more...] [--top N] [--last-ms MS]
 *
 * `--last-ms MS` keeps only each profile's last MS milliseconds (a broker's
 * stop: the time from SIGTERM to exit, bench/stop-partitions.mjs).
 * Several files are added together (a broker profiled across several runs).
 * "(idle)" is time the event loop waited; the percentages after it are of
 * busy time only, so they say where the CPU went.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const argv = process.argv.slice(2);
let top = 30;
let lastMs = Infinity;
const files = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--top') top = Number(argv[++i]);
  else if (argv[i] === '--last-ms') lastMs = Number(argv[++i]);
  else files.push(argv[i]);
}
if (files.length === 0) {
  process.stderr.write('usage: node bench/cpuprofile-top.mjs PROFILE.cpuprofile [...] [--top N] [--last-ms MS]\n');
  process.exit(2);
}

/** @type {Map<string, number>} microseconds of self time per function */
const byFunction = new Map();
/** @type {Map<string, number>} per file */
const byFile = new Map();
let totalUs = 0;

const ROOT = process.cwd();
function shortUrl(url) {
  if (!url) return '';
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(ROOT)) u = path.relative(ROOT, u);
  return u;
}

for (const f of files) {
  /** @type {{ nodes: { id: number, callFrame: { functionName: string, url: string, lineNumber: number } }[], samples: number[], timeDeltas: number[] }} */
  const prof = JSON.parse(fs.readFileSync(f, 'utf8'));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  // Sample i's time from the start is the sum of the deltas up to it.
  const profiledUs = prof.timeDeltas.reduce((a, b) => a + b, 0);
  const fromUs = profiledUs - lastMs * 1000;
  let atUs = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    atUs += prof.timeDeltas[i] ?? 0;
    if (atUs < fromUs) continue;
    const n = nodes.get(prof.samples[i]);
    // timeDeltas[i] is the time before sample i; attribute the next delta to it.
    const dt = prof.timeDeltas[i + 1] ?? 0;
    if (!n || dt <= 0) continue;
    const cf = n.callFrame;
    const name = cf.functionName || '(anonymous)';
    const file = shortUrl(cf.url);
    const key = file ? `${name}  ${file}:${cf.lineNumber + 1}` : name;
    byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
    const fileKey = file || name;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + dt);
    totalUs += dt;
  }
}

const idle = (byFunction.get('(idle)') ?? 0);
const busy = totalUs - idle;
const pct = (x) => ((x / busy) * 100).toFixed(1).padStart(5);
const ms = (x) => (x / 1000).toFixed(0).padStart(7);
process.stdout.write(`profiled ${(totalUs / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s (percentages of busy)\n\n`);
process.stdout.write('self ms   %busy  function\n');
for (const [k, v] of [...byFunction].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`${ms(v)}  ${pct(v)}  ${k}\n`);
}
process.stdout.write('\nself ms   %busy  file\n');
for (const [k, v] of [...byFile].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, Math.min(top, 20))) {
  process.stdout.write(`${ms(v)}  ${pct(v)}  ${k}\n`);
}
