import { BROKER_CONFIGS } from './broker-configs';
import type { ConfigKey } from './config-def';
import { canonicalString, formatConfigValue, formatJavaDouble, parseAndValidate, parseConfigValue } from './config-value';
import { TOPIC_CONFIGS } from './topic-configs';
import { ErrorCode } from '../protocol/errors';

function topicKey(name: string): ConfigKey {
  const key = TOPIC_CONFIGS.get(name);
  if (key === undefined) throw new Error(name);
  return key;
}

describe('parseConfigValue', () => {
  it('parses booleans case-insensitively after trimming', () => {
    expect(parseConfigValue(topicKey('preallocate'), ' TRUE ')).toEqual({ ok: true, value: true });
    const bad = parseConfigValue(topicKey('preallocate'), 'yes');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe(ErrorCode.INVALID_CONFIG);
      expect(bad.error.message).toBe('Invalid value yes for configuration preallocate: Expected value to be either true or false');
    }
  });

  it('rejects non-integers and out-of-range ints and longs', () => {
    expect(parseConfigValue(topicKey('segment.bytes'), '1.5').ok).toBe(false);
    expect(parseConfigValue(topicKey('segment.bytes'), '2147483648').ok).toBe(false);
    expect(parseConfigValue(topicKey('retention.ms'), '9223372036854775808').ok).toBe(false);
    expect(parseConfigValue(topicKey('retention.ms'), '+42')).toEqual({ ok: true, value: 42 });
    const bad = parseConfigValue(topicKey('retention.ms'), 'abc');
    if (bad.ok) throw new Error('expected failure');
    expect(bad.error.message).toBe('Invalid value abc for configuration retention.ms: Not a number of type LONG');
  });

  it('splits lists on commas and trims elements; empty string is the empty list', () => {
    expect(parseConfigValue(topicKey('cleanup.policy'), ' compact , delete ')).toEqual({ ok: true, value: ['compact', 'delete'] });
    expect(parseConfigValue(topicKey('cleanup.policy'), '  ')).toEqual({ ok: true, value: [] });
  });

  it('parses doubles with Java syntax', () => {
    expect(parseConfigValue(topicKey('min.cleanable.dirty.ratio'), '0.25')).toEqual({ ok: true, value: 0.25 });
    expect(parseConfigValue(topicKey('min.cleanable.dirty.ratio'), '1e-1d')).toEqual({ ok: true, value: 0.1 });
    expect(parseConfigValue(topicKey('min.cleanable.dirty.ratio'), 'half').ok).toBe(false);
  });
});

describe('parseAndValidate', () => {
  it('reports range violations in Kafka wording', () => {
    const result = parseAndValidate(topicKey('retention.ms'), '-5');
    if (result.ok) throw new Error('expected failure');
    expect(result.error.message).toBe('Invalid value -5 for configuration retention.ms: Value must be at least -1');
    const ratio = parseAndValidate(topicKey('min.cleanable.dirty.ratio'), '1.5');
    if (ratio.ok) throw new Error('expected failure');
    expect(ratio.error.message).toBe('Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1');
  });

  it('names the bad element of a list and lists allowed strings', () => {
    const result = parseAndValidate(topicKey('cleanup.policy'), 'compact,forever');
    if (result.ok) throw new Error('expected failure');
    expect(result.error.message).toBe('Invalid value forever for configuration cleanup.policy: String must be one of: compact, delete');
  });

  it('checks one-of strings case-sensitively and gzip levels', () => {
    expect(parseAndValidate(topicKey('compression.type'), 'zstd').ok).toBe(true);
    expect(parseAndValidate(topicKey('compression.type'), 'ZSTD').ok).toBe(false);
    expect(parseAndValidate(topicKey('compression.gzip.level'), '-1').ok).toBe(true);
    expect(parseAndValidate(topicKey('compression.gzip.level'), '0').ok).toBe(false);
    expect(parseAndValidate(topicKey('compression.gzip.level'), '9').ok).toBe(true);
  });
});

describe('formatting', () => {
  it('prints Long.MAX_VALUE exactly', () => {
    expect(formatConfigValue(topicKey('flush.messages'), topicKey('flush.messages').default)).toBe('9223372036854775807');
    expect(canonicalString(topicKey('retention.bytes'), ' 9007199254740993 ')).toBe('9007199254740993');
  });

  it('prints doubles the way Java does', () => {
    expect(formatJavaDouble(0.5)).toBe('0.5');
    expect(formatJavaDouble(1)).toBe('1.0');
    expect(formatJavaDouble(1e7)).toBe('1.0E7');
    expect(formatJavaDouble(Number.MAX_VALUE)).toBe('1.7976931348623157E308');
    const key = BROKER_CONFIGS.get('log.cleaner.io.max.bytes.per.second');
    expect(key && formatConfigValue(key, key.default)).toBe('1.7976931348623157E308');
  });

  it('prints lists comma-joined', () => {
    expect(formatConfigValue(topicKey('cleanup.policy'), ['compact', 'delete'])).toBe('compact,delete');
  });
});
