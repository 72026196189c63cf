/**
 * A Jest `globalSetup` that starts one in-memory Weir broker for the whole
 * test run and publishes its address in `process.env.WEIR_BOOTSTRAP_SERVERS`
 * (Jest starts its workers after global setup, so they inherit it). Pair it
 * with `jest-global-teardown`:
 *
 *   // jest.config.js
 *   globalSetup: 'weir/dist/testing/jest-global-setup.js',
 *   globalTeardown: 'weir/dist/testing/jest-global-teardown.js',
 *
 *   // a test
 *   new Kafka({ brokers: [process.env.WEIR_BOOTSTRAP_SERVERS!] })
 *
 * Broker options come from `WEIR_JEST_OPTIONS` (JSON of StartBrokerOptions)
 * or, for a custom setup file, from `jestGlobalSetup(options)`.
 */
import { RunningBroker, StartBrokerOptions, startBroker } from '../index';

export const BOOTSTRAP_ENV = 'WEIR_BOOTSTRAP_SERVERS';
const OPTIONS_ENV = 'WEIR_JEST_OPTIONS';

/** Where the broker waits for teardown: global setup and teardown share one context. */
const BROKER_KEY = Symbol.for('weir.jest.broker');
type WithBroker = typeof globalThis & { [BROKER_KEY]?: RunningBroker };

/** Builds a globalSetup function starting a broker with `options`. */
export function jestGlobalSetup(options: StartBrokerOptions = {}): () => Promise<void> {
  return async () => {
    const g = globalThis as WithBroker;
    if (g[BROKER_KEY]) return; // watch mode reruns setup
    const broker = await startBroker({ port: 0, ...options });
    g[BROKER_KEY] = broker;
    process.env[BOOTSTRAP_ENV] = broker.bootstrapServers;
  };
}

/** Closes the broker that jestGlobalSetup started. */
export async function jestGlobalTeardown(): Promise<void> {
  const g = globalThis as WithBroker;
  const broker = g[BROKER_KEY];
  delete g[BROKER_KEY];
  delete process.env[BOOTSTRAP_ENV];
  if (broker) await broker.close();
}

function optionsFromEnv(): StartBrokerOptions {
  const text = process.env[OPTIONS_ENV];
  if (!text) return {};
  try {
    return JSON.parse(text) as StartBrokerOptions;
  } catch (err) {
    throw new Error(`${OPTIONS_ENV} is not valid JSON: ${(err as Error).message}`);
  }
}

export default function globalSetup(): Promise<void> {
  return jestGlobalSetup(optionsFromEnv())();
}
