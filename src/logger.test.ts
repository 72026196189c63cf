import { createLogger, type LoggerOptions } from './logger';

function capture(opts: LoggerOptions = {}): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const log = createLogger({ ...opts, destination: { write: (l: string) => lines.push(l) } as unknown as NodeJS.WritableStream });
  return { lines, log };
}

describe('logger', () => {
  test("writes pino's line format: level, time, fields, msg; one JSON object per line", () => {
    const { lines, log } = capture();
    log.info({ partitions: 50, ms: 1 }, 'group coordinator loaded __consumer_offsets');
    log.warn('plain');
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith('}\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(lines[0]).toMatch(/^\{"level":30,"time":\d+,"partitions":50,"ms":1,"msg":"group coordinator loaded __consumer_offsets"\}\n$/);
    expect(JSON.parse(lines[1]!)).toEqual({ level: 40, time: expect.any(Number), msg: 'plain' });
  });

  test('drops lines below the level; silent drops all', () => {
    const info = capture({ level: 'info' });
    info.log.debug('no');
    info.log.trace('no');
    info.log.error('yes');
    expect(info.lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['yes']);
    const silent = capture({ level: 'silent' });
    silent.log.fatal('no');
    expect(silent.lines).toEqual([]);
  });

  test("a child's lines carry its bindings and its parent's", () => {
    const { lines, log } = capture();
    log.child({ component: 'c' }).child({ connection: 3 }).info({ n: 1 }, 'm');
    expect(JSON.parse(lines[0]!)).toEqual({ level: 30, time: expect.any(Number), component: 'c', connection: 3, n: 1, msg: 'm' });
  });

  test('errors are serialized with type, message, stack and their own fields; an Error alone is `err`', () => {
    const { lines, log } = capture();
    const e = Object.assign(new TypeError('boom'), { code: 'EX' });
    log.error({ err: e }, 'failed');
    log.error(e);
    const [a, b] = lines.map((l) => JSON.parse(l) as { err: Record<string, unknown>; msg: string });
    expect(a!.err).toEqual({ type: 'TypeError', message: 'boom', stack: e.stack, code: 'EX' });
    expect(b).toMatchObject({ err: { message: 'boom' }, msg: 'boom' });
  });

  test('fields that JSON cannot hold do not throw: bigints, cycles, throwing getters', () => {
    const { lines, log } = capture();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    log.info({ small: 5n, big: 2n ** 64n, cyclic }, 'odd');
    log.info({
      get bad(): never {
        throw new Error('getter');
      },
    }, 'still written');
    expect(JSON.parse(lines[0]!)).toMatchObject({ small: 5, big: '18446744073709551616', cyclic: { a: 1, self: '[Circular]' }, msg: 'odd' });
    expect(JSON.parse(lines[1]!)).toMatchObject({ logFieldsError: 'getter', msg: 'still written' });
  });

  test('pretty: time, level name, message and the fields', () => {
    const { lines, log } = capture({ pretty: true });
    log.child({ component: 'c' }).warn({ key: 'x' }, 'unknown config');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN unknown config \{"component":"c","key":"x"\}\n$/);
  });
});
