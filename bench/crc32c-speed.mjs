#!/usr/bin/env node
/**
 * CRC32C speed: calls per second and GB/s on 1 KiB, 16 KiB and 1 MiB
 * buffers (unaligned, as batches inside a request are), best of 5 rounds,
 * for each implementation the broker may use:
 *
 *   addon          native/crc32c.c as this CPU runs it (`npm run build:native`)
 *   addon portable the same file's slice-by-8 code (CPUs without CRC instructions)
 *   @node-rs/crc32 the fallback without the addon
 *
 *   node bench/crc32c-speed.mjs
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const addon = require('./native/build/Release/weir_native.node');
const nodeRs = require('@node-rs/crc32');

const implementations = [
  [`addon (${addon.crc32cMethod})`, addon.crc32c],
  ['addon portable', addon.crc32cPortable],
  ['@node-rs/crc32', nodeRs.crc32c],
];

for (const size of [1024, 16 * 1024, 1024 * 1024]) {
  const bytes = new Uint8Array(size + 1).map(() => Math.floor(Math.random() * 256)).subarray(1);
  for (const [name, crc32c] of implementations) {
    const calls = Math.max(20, Math.floor(2e8 / size));
    let best = 0;
    let sink = 0;
    for (let round = 0; round < 5; round++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) sink ^= crc32c(bytes);
      best = Math.max(best, calls / (Number(process.hrtime.bigint() - started) / 1e9));
    }
    if (sink === -1) console.log('(never: keeps the calls from being optimised away)');
    console.log(`${String(size).padStart(8)} B  ${name.padEnd(20)} ${Math.round(best).toLocaleString('en').padStart(12)} calls/s  ${((best * size) / 1e9).toFixed(2).padStart(6)} GB/s`);
  }
}
