#!/usr/bin/env node
/**
 * Builds the sendfile addon in native/ with the node-gyp that npm carries
 * (`npm ci` runs this from `prepare`; by hand: `npm run build:native`).
 *
 * It never fails the install: without the addon (no C compiler, not Linux,
 * headers missing) fetches are served by reading into buffers and writing
 * those, the same bytes with one more copy, and the broker says which path
 * it uses at start-up. A build that is newer than its sources is kept.
 *
 * The built addon is also copied to prebuilds/<platform>-<arch>/, which the
 * package ships (`npm pack` runs this through `prepare`): an install from
 * the tarball builds nothing, and on a machine like the one that packed it
 * (Linux, the same architecture; N-API keeps it loadable by every later
 * Node) it serves fetches with sendfile all the same. Elsewhere the load
 * fails and the copy path serves.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const NATIVE = path.join(__dirname, '..', 'native');
const BUILT = path.join(NATIVE, 'build', 'Release', 'weir_sendfile.node');
const PREBUILT = path.join(__dirname, '..', 'prebuilds', `${process.platform}-${process.arch}`, 'weir_sendfile.node');
const SOURCES = ['sendfile.c', 'binding.gyp'].map((f) => path.join(NATIVE, f));

function say(line) {
  process.stderr.write(`weir: ${line}\n`);
}

function upToDate() {
  if (!fs.existsSync(BUILT)) return false;
  const built = fs.statSync(BUILT).mtimeMs;
  return SOURCES.every((f) => fs.statSync(f).mtimeMs <= built);
}

/** npm sets npm_config_node_gyp for the scripts it runs; otherwise, npm's own copy next to this node. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && fs.existsSync(fromNpm)) return fromNpm;
  const beside = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return fs.existsSync(beside) ? beside : null;
}

function main() {
  if (process.platform !== 'linux') {
    say('sendfile addon not built (Linux only); fetches are served with read and write');
    return;
  }
  if (upToDate()) return;
  const gyp = nodeGyp();
  if (gyp === null) {
    say('sendfile addon not built (node-gyp not found); fetches are served with read and write');
    return;
  }
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--directory=${NATIVE}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').filter((l) => /ERR!|error/i.test(l)).slice(0, 3).join(' | ');
    say(`sendfile addon not built (${why || `node-gyp exited with ${r.status}`}); fetches are served with read and write`);
  }
}

/** The build, where the package ships it (see the header). */
function copyToPrebuilds() {
  if (!fs.existsSync(BUILT)) return;
  fs.mkdirSync(path.dirname(PREBUILT), { recursive: true });
  fs.copyFileSync(BUILT, PREBUILT);
}

main();
copyToPrebuilds();
