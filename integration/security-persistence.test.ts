/**
 * SCRAM credentials live in the metadata log (UserScramCredentialRecord),
 * so they survive a restart: a user created with `weir user scram set`
 * still logs in after the broker process is stopped and started again on
 * the same data dir, and a user deleted before the restart stays deleted.
 */
import * as path from 'node:path';
import { BrokerProcess, startBrokerProcess, tempDir } from './support/broker-process';
import { createTopic, run } from './support/roundtrip';
import { type KafkajsSecurity, kafkajsConnectError, kafkajsRoundTrip } from './support/secure-clients';

const CLI = path.resolve(__dirname, '../dist/cli/main.js');
const dataDir = tempDir('weir-scram-restart-');
let broker: BrokerProcess | undefined;

function weir(args: string[], input = ''): ReturnType<typeof run> {
  return run(process.execPath, [CLI, ...args], input, 30_000);
}

function start(): Promise<BrokerProcess> {
  return startBrokerProcess({
    dataDir,
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'group.initial.rebalance.delay.ms': 0,
    },
  });
}

afterAll(async () => {
  await broker?.stop();
});

const scram = (mechanism: 'scram-sha-256' | 'scram-sha-512', username: string, password: string): KafkajsSecurity =>
  mechanism === 'scram-sha-256' ? { sasl: { mechanism, username, password } } : { sasl: { mechanism, username, password } };

it('a SCRAM user survives a restart; a deleted one does not come back', async () => {
  broker = await start();
  const admin = broker.listeners['PLAINTEXT']!;
  for (const [user, m] of [['alice', 'SCRAM-SHA-256'], ['alice', 'SCRAM-SHA-512'], ['bob', 'SCRAM-SHA-256']] as const) {
    const r = await weir(['user', 'scram', 'set', user, '-m', m, '-b', admin], `${user}-secret\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
  expect(await kafkajsConnectError(broker.listeners['SASL_PLAINTEXT']!, scram('scram-sha-256', 'bob', 'bob-secret'))).toBeNull();
  const deleted = await weir(['user', 'scram', 'delete', 'bob', '-b', admin]);
  expect(deleted.code).toBe(0);
  expect(await broker.stop()).toBe(0);

  broker = await start();
  const sasl = broker.listeners['SASL_PLAINTEXT']!;
  const list = await weir(['user', 'scram', 'list', '-b', broker.listeners['PLAINTEXT']!]);
  expect(list.code).toBe(0);
  expect(list.stdout.split('\n').filter((l) => /^(alice|bob)\s/.test(l)).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
    ['alice', 'SCRAM-SHA-256'],
    ['alice', 'SCRAM-SHA-512'],
  ]);

  await createTopic(broker.listeners['PLAINTEXT']!, 'scram-restart', 1);
  const sent = Array.from({ length: 20 }, (_, i) => `after-restart-${i}`);
  expect(await kafkajsRoundTrip(sasl, scram('scram-sha-512', 'alice', 'alice-secret'), 'scram-restart', sent)).toEqual(sent);
  expect(await kafkajsConnectError(sasl, scram('scram-sha-256', 'alice', 'wrong'))).not.toBeNull();

  const bob = await kafkajsConnectError(sasl, scram('scram-sha-256', 'bob', 'bob-secret'));
  expect(bob?.name).toBe('KafkaJSSASLAuthenticationError');
}, 120_000);
