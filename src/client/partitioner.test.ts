import { murmur2, partitionForKey } from './partitioner';

// kafkajs's DefaultPartitioner is a port of the Java client's murmur2; it is
// a dev dependency, so compare against it on many keys.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;

test('murmur2 matches the Java client (via kafkajs) for keys of every tail length', () => {
  const keys = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'hello world', '21', 'key-12345', '\u00e9t\u00e9', 'x'.repeat(1000)];
  for (let i = 0; i < 200; i++) keys.push(`k${i * 7919}`);
  for (const k of keys) expect(murmur2(Buffer.from(k))).toBe(kafkajsMurmur2(Buffer.from(k)));
});

test('partitionForKey is positive and within range', () => {
  for (let i = 0; i < 100; i++) {
    const p = partitionForKey(Buffer.from(`key${i}`), 7);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(7);
  }
});
