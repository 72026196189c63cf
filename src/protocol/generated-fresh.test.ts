/**
 * The committed src/protocol/messages/ is exactly what the generator makes
 * from the schemas today: no stale file, no hand edit, no leftover file.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface Generator {
  generateAll(schemaDir?: string): Map<string, string>;
  OUT_DIR: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const generator = require('../../scripts/gen-protocol') as Generator;

describe('generated protocol codecs', () => {
  const generated = generator.generateAll();
  const onDisk = readdirSync(generator.OUT_DIR).sort();

  it('has exactly the generated files on disk', () => {
    expect(onDisk).toEqual([...generated.keys()].sort());
  });

  it.each([...generated.keys()].sort())('%s matches the generator output', (name) => {
    // Compare as booleans first: a diff of a 3000-line file helps nobody; the fix is to regenerate.
    const same = readFileSync(join(generator.OUT_DIR, name), 'utf8') === generated.get(name);
    if (!same) throw new Error(`src/protocol/messages/${name} is stale: run node scripts/gen-protocol.js`);
  });
});
