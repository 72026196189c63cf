import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureDir } from './ensure-dir';

describe('ensureDir', () => {
  test('creates missing parents and accepts an existing directory', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-ensure-'));
    const dir = path.join(root, 'a', 'b', 'c');
    ensureDir(dir);
    ensureDir(dir);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('fails (rather than hanging) where the parent refuses new entries', () => {
    expect(() => ensureDir('/proc/weir-cannot-exist/data')).toThrow();
  });

  test('fails for a path that is a file', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-ensure-'));
    const file = path.join(root, 'f');
    fs.writeFileSync(file, '');
    expect(() => ensureDir(file)).toThrow(/ENOTDIR/);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
