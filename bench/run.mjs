#!/usr/bin/env node
/**
 * `npm run bench`: the broker benchmarks (bench/broker-bench.mjs) against the
 * freshly built dist/. Arguments pass through, e.g.
 * `npm run bench -- --suite rdkafka --repeat 3`. The protocol codec bench
 * (bench/protocol.ts) has its own command, see bench/RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./broker-bench.mjs', import.meta.url));
const r = spawnSync(process.execPath, [script, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
