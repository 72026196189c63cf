/**
 * Config honesty: every broker config Weir marks as used (not `support:
 * 'ignored'`) is read somewhere outside its own definition; a key nothing
 * reads must be marked ignored, so a user setting it is told Weir does not
 * act on it. "Read" is judged from the source: the key's name appears as a
 * string literal in a non-test source file other than broker-configs.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { BROKER_CONFIG_KEYS } from './broker-configs';

const SRC = path.resolve(__dirname, '..');
const DEFINITIONS = path.join(SRC, 'config', 'broker-configs.ts');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'messages' && name !== 'records') out.push(...sourceFiles(p));
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && p !== DEFINITIONS && !p.includes(`${path.sep}test-support${path.sep}`)) {
      out.push(p);
    }
  }
  return out;
}

describe('config honesty', () => {
  const sources = sourceFiles(SRC).map((f) => readFileSync(f, 'utf8'));
  const used = BROKER_CONFIG_KEYS.filter((k) => k.support === 'used').map((k) => k.name);

  test('some keys are used and some ignored (the check sees them)', () => {
    expect(used.length).toBeGreaterThan(50);
    expect(BROKER_CONFIG_KEYS.some((k) => k.support === 'ignored')).toBe(true);
  });

  test('every broker key marked as used has a reader', () => {
    const unread = used.filter((name) => !sources.some((s) => s.includes(`'${name}'`)));
    expect(unread).toEqual([]);
  });
});
