import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { replaceFileAtomically, replaceFileAtomicallyAsync } from './atomic-file';

describe('replaceFileAtomically', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-atomic-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('creates, then replaces the whole content; no temp file is left', async () => {
    const file = path.join(dir, 'cp');
    replaceFileAtomically(file, 'first version, longer\n');
    replaceFileAtomically(file, Buffer.from('second\n'), { sync: false });
    expect(fs.readFileSync(file, 'utf8')).toBe('second\n');
    await replaceFileAtomicallyAsync(file, 'third\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('third\n');
    expect(fs.readdirSync(dir)).toEqual(['cp']);
  });

  test('a failed replace leaves the old content and no temp file', () => {
    const file = path.join(dir, 'target');
    fs.mkdirSync(file); // renaming a file over a directory fails
    fs.writeFileSync(path.join(file, 'inside'), 'old');
    expect(() => replaceFileAtomically(file, 'new')).toThrow();
    expect(fs.readFileSync(path.join(file, 'inside'), 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['target']);
  });
});
