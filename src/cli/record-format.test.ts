import type { Record } from '../protocol/records';
import { compileFormat } from './record-format';

const rec: Record = {
  offset: 42n,
  offsetDelta: 0,
  timestamp: 1700000000000n,
  timestampDelta: 0n,
  key: Buffer.from('k'),
  value: Buffer.from('hello'),
  headers: [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: null }],
};

test('placeholders and escapes', () => {
  expect(compileFormat('%t/%p/%o %k=%v %T [%h] %K %S 100%%\\n')('orders', 3, rec)).toBe('orders/3/42 k=hello 1700000000000 [a=1,b=] 1 5 100%\n');
  expect(compileFormat('%k|%v|%K|%S')('t', 0, { ...rec, key: null, value: null })).toBe('||-1|-1');
});

test('json is one object per line', () => {
  expect(JSON.parse(compileFormat('json')('t', 1, rec))).toEqual({ topic: 't', partition: 1, offset: 42, timestamp: 1700000000000, key: 'k', value: 'hello', headers: { a: '1', b: null } });
});

test('an unknown placeholder is refused with the list of known ones', () => {
  expect(() => compileFormat('%x')).toThrow(/unknown placeholder %x/);
});
