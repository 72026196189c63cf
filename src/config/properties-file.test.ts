import { parseProperties } from './properties-file';
import { editDistance, nearestKey } from './nearest-key';

describe('parseProperties', () => {
  it('reads key=value, key: value and key value, skipping comments and blanks', () => {
    const { properties, errors } = parseProperties(
      ['# comment', '! also a comment', '', 'a=1', 'b: 2', 'c 3', '  d   =   4  ', 'e', 'f='].join('\n'),
    );
    expect(errors).toEqual([]);
    expect([...properties]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['d', '4  '],
      ['e', ''],
      ['f', ''],
    ]);
  });

  it('joins continuation lines and drops their leading blanks', () => {
    const { properties } = parseProperties('listeners=PLAINTEXT://:9092,\\\n    CONTROLLER://:9093\r\nnext=1');
    expect(properties.get('listeners')).toBe('PLAINTEXT://:9092,CONTROLLER://:9093');
    expect(properties.get('next')).toBe('1');
  });

  it('does not continue a comment line, and an even number of backslashes is literal', () => {
    const { properties } = parseProperties('# comment \\\nx=1\ny=a\\\\\nz=2');
    expect(properties.get('x')).toBe('1');
    expect(properties.get('y')).toBe('a\\');
    expect(properties.get('z')).toBe('2');
  });

  it('handles escapes in keys and values', () => {
    const { properties } = parseProperties('a\\=b=c\\td\nu=\\u0041\\q\nsp\\ ace=v');
    expect(properties.get('a=b')).toBe('c\td');
    expect(properties.get('u')).toBe('Aq');
    expect(properties.get('sp ace')).toBe('v');
  });

  it('keeps the last value of a repeated key', () => {
    expect(parseProperties('a=1\na=2').properties.get('a')).toBe('2');
  });

  it('reports malformed unicode escapes', () => {
    expect(parseProperties('a=\\u12').errors).toEqual(['line 1: Malformed \\uxxxx encoding']);
  });
});

describe('nearestKey', () => {
  it('computes edit distance with transpositions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('log.dirs', 'log.dris')).toBe(1);
  });

  it('suggests the closest known key, or nothing when far', () => {
    const known = ['log.retention.hours', 'log.retention.ms', 'num.partitions'];
    expect(nearestKey('log.retension.hours', known)).toBe('log.retention.hours');
    expect(nearestKey('num.partition', known)).toBe('num.partitions');
    expect(nearestKey('totally.unrelated', known)).toBeUndefined();
  });
});
