/**
 * Drives @platformatic/kafka from Jest: compiles platformatic-worker.ts with
 * swc (once per process) into node_modules/.cache, where Node resolves the
 * package from the project's node_modules, and runs one command per child.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transformFileSync } from '@swc/core';
import type { Answer, Command } from './platformatic-worker';
import { run } from './roundtrip';

const OUT_DIR = path.resolve(__dirname, '../../node_modules/.cache/weir-integration');
const OUT = path.join(OUT_DIR, 'platformatic-worker.js');
let built = false;

function build(): void {
  if (built) return;
  const { code } = transformFileSync(path.join(__dirname, 'platformatic-worker.ts'), {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs', ignoreDynamic: true },
    sourceMaps: false,
  });
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(OUT, code);
  built = true;
}

export async function platformatic(cmd: Command, timeoutMs = 120_000): Promise<Answer> {
  build();
  const r = await run(process.execPath, [OUT], JSON.stringify(cmd), timeoutMs);
  if (r.code !== 0 || !r.stdout) throw new Error(`platformatic worker exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as Answer;
}
