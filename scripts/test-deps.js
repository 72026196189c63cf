#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Makes the test and benchmark dependencies available: `npm test`,
 * `npm run bench` and the other test scripts run this first.
 *
 * The root package.json holds only what the broker needs at run time and
 * what compiles it, so that `npm ci && npm start` installs in seconds. The
 * test runner and the real Kafka clients the integration tests drive (jest,
 * swc, fast-check, kafkajs, @platformatic/kafka, and node-rdkafka, whose
 * librdkafka build takes minutes) live in test-deps/, a private package with
 * its own lock file. This script
 *
 * 1. runs `npm ci` in test-deps/ unless its node_modules was installed from
 *    the same package.json and lock file, under the same Node ABI (native
 *    addons are built for one), so a second `npm test` installs nothing;
 * 2. links each of test-deps' direct dependencies, and their commands, into
 *    the root node_modules (node_modules/kafkajs -> ../test-deps/node_modules/kafkajs).
 *
 * The links are why no test, bench script, worker process or tsconfig needs
 * to know about test-deps/: `import 'kafkajs'` resolves from the root as it
 * always did, and each linked package finds its own dependencies beside its
 * real path. The root `npm ci` wipes node_modules, links included; the next
 * `npm test` puts them back (test-deps/node_modules survives, so that is
 * instant).
 */
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TEST_DEPS = path.join(ROOT, 'test-deps');
const ROOT_MODULES = path.join(ROOT, 'node_modules');
const TEST_MODULES = path.join(TEST_DEPS, 'node_modules');
const STAMP = path.join(TEST_MODULES, '.weir-test-deps-stamp');

/** What the installed tree was made from: both manifests and the Node ABI. */
function wantedStamp() {
  const hash = crypto.createHash('sha256');
  for (const f of ['package.json', 'package-lock.json']) hash.update(fs.readFileSync(path.join(TEST_DEPS, f)));
  hash.update(`${process.platform}-${process.arch}-abi${process.versions.modules}`);
  return hash.digest('hex');
}

function readStamp() {
  try {
    return fs.readFileSync(STAMP, 'utf8').trim();
  } catch {
    return null;
  }
}

function install(stamp) {
  process.stderr.write('[test-deps] installing test-deps/ (npm ci: jest, kafkajs, @platformatic/kafka, and node-rdkafka, which compiles librdkafka: a few minutes the first time)\n');
  const started = Date.now();
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: TEST_DEPS, stdio: 'inherit' });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    process.stderr.write(`[test-deps] npm ci in test-deps/ failed (exit ${r.status}); see above\n`);
    process.exit(r.status ?? 1);
  }
  fs.writeFileSync(STAMP, `${stamp}\n`);
  process.stderr.write(`[test-deps] installed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/** Packages the root lock file installs: a link must never replace one of them. */
function rootLockedPackages() {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  return new Set(Object.keys(lock.packages ?? {}).filter((k) => k.startsWith('node_modules/') && k.lastIndexOf('node_modules/') === 0).map((k) => k.slice('node_modules/'.length)));
}

/** Points `linkPath` at `target` (relative), replacing a stale link or a leftover copy. */
function link(target, linkPath) {
  const relative = path.relative(path.dirname(linkPath), target);
  let existing = null;
  try {
    existing = fs.lstatSync(linkPath);
  } catch {
    // absent
  }
  if (existing?.isSymbolicLink() && fs.readlinkSync(linkPath) === relative) return;
  if (existing) fs.rmSync(linkPath, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(linkPath), { recursive: true });
  fs.symlinkSync(relative, linkPath);
}

function linkIntoRoot() {
  const manifest = JSON.parse(fs.readFileSync(path.join(TEST_DEPS, 'package.json'), 'utf8'));
  const locked = rootLockedPackages();
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    if (locked.has(name)) {
      throw new Error(`${name} is both a root dependency and a test-deps/ dependency: keep it in one place`);
    }
    const real = path.join(TEST_MODULES, name);
    link(real, path.join(ROOT_MODULES, name));
    const pkg = JSON.parse(fs.readFileSync(path.join(real, 'package.json'), 'utf8'));
    const bins = typeof pkg.bin === 'string' ? { [name.split('/').pop() ?? name]: pkg.bin } : (pkg.bin ?? {});
    for (const [cmd, file] of Object.entries(bins)) {
      link(path.join(real, file), path.join(ROOT_MODULES, '.bin', cmd));
    }
  }
}

function main() {
  if (!fs.existsSync(path.join(ROOT_MODULES, 'typescript'))) {
    process.stderr.write('[test-deps] the root dependencies are not installed: run `npm ci` first (the README\'s test command is `npm ci && npm test`)\n');
    process.exit(1);
  }
  const stamp = wantedStamp();
  if (readStamp() !== stamp) install(stamp);
  linkIntoRoot();
}

main();
