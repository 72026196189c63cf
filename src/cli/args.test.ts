import { UsageError, helpText, parse } from './args';

const spec = {
  usage: 'weir x',
  summary: 'test',
  options: [
    { name: 'offset', short: 'o', value: 'N', help: 'offset' },
    { name: 'header', short: 'H', value: 'K=V', repeatable: true, help: 'header' },
    { name: 'follow', short: 'F', help: 'follow' },
  ],
};

test('values, repeatable values, flags and positionals', () => {
  const a = parse(spec, ['topic', '-o', '5', '-H', 'a=1', '--header', 'b=2', '-F'], 'x');
  expect(a.positionals).toEqual(['topic']);
  expect(a.integer('offset')).toBe(5);
  expect(a.strings('header')).toEqual(['a=1', 'b=2']);
  expect(a.flag('follow')).toBe(true);
});

test('negative numbers are values, not options', () => {
  expect(parse(spec, ['-o', '-10'], 'x').string('offset')).toBe('-10');
  expect(parse(spec, ['--offset', '-3'], 'x').string('offset')).toBe('-3');
});

test('unknown options and bad integers are usage errors', () => {
  expect(() => parse(spec, ['--nope'], 'x')).toThrow(UsageError);
  expect(() => parse(spec, ['-o', 'abc'], 'x').integer('offset')).toThrow(/--offset expects an integer/);
});

test('help lists every option', () => {
  const h = helpText(spec);
  for (const o of ['--offset N', '--header K=V', '--follow', '--help']) expect(h).toContain(o);
});
