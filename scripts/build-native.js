#!/usr/bin/env node
/**
 * Builds Weir's addon in native/ (sendfile and CRC32C) with the node-gyp
 * that npm carries (`npm ci` runs this from `prepare`; by hand:
 * `npm run build:native`).
 *
 * It never fails the install: without the addon (no C compiler, not Linux,
 * headers missing) fetches are served by reading into buffers and writing
 * those, the same bytes with one more copy, and CRC32C comes from
 * @node-rs/crc32; the broker says which fetch path it uses at start-up. A
 * build that is newer than its sources is kept.
 *
 * The built addon is also copied to prebuilds/<platform>-<arch>/, which the
 * package ships (`npm pack` runs this through `prepare`): an install from
 * the tarball builds nothing, and on a machine like the one that packed it
 * (Linux, the same architecture; N-API keeps it loadable by every later
 * Node) it serves fetches with sendfile and checks CRCs all the same.
 * Elsewhere the load fails and the fallbacks serve.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const NATIVE = path.join(__dirname, '..', 'native');
const BUILT = path.join(NATIVE, 'build', 'Release', 'weir_native.node');
const PREBUILT = path.join(__dirname, '..', 'prebuilds', `${process.platform}-${process.arch}`, 'weir_native.node');
const SOURCES = ['addon.c', 'sendfile.c', 'crc32c.c', 'weir_native.h', 'binding.gyp'].map((f) => path.join(NATIVE, f));

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
    say('native addon not built (Linux only); fetches are served with read and write, CRC32C by @node-rs/crc32');
    return;
  }
  if (upToDate()) return;
  const gyp = nodeGyp();
  if (gyp === null) {
    say('native addon not built (node-gyp not found); fetches are served with read and write, CRC32C by @node-rs/crc32');
    return;
  }
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--directory=${NATIVE}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').filter((l) => /ERR!|error/i.test(l)).slice(0, 3).join(' | ');
    say(`native addon not built (${why || `node-gyp exited with ${r.status}`}); fetches are served with read and write, CRC32C by @node-rs/crc32`);
  }
}

/**
 * The build, where the package ships it (see the header). The copy a
 * checkout made before the addon held more than sendfile
 * (weir_sendfile.node) goes: the package would ship it too.
 */
function copyToPrebuilds() {
  fs.rmSync(path.join(path.dirname(PREBUILT), 'weir_sendfile.node'), { force: true });
  if (!fs.existsSync(BUILT)) return;
  fs.mkdirSync(path.dirname(PREBUILT), { recursive: true });
  fs.copyFileSync(BUILT, PREBUILT);
}

main();
copyToPrebuilds();
