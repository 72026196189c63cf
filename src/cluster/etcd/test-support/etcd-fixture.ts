/**
 * One real etcd per test file (src/testing/etcd-server.ts), clients that are
 * closed after each test, and a fresh key prefix per test so tests never see
 * each other's keys. Without etcd installed, `beforeAll` fails with the
 * message naming Debian's etcd-server package.
 */
import type { EtcdClient } from '../etcd-client';
import { type RunningEtcd, startEtcd } from '../../../testing/etcd-server';
import { connectEtcd } from '../etcd-client';
import { EtcdKeys } from '../etcd-keys';

export interface EtcdFixture {
  /** The running etcd (valid inside tests). */
  readonly etcd: RunningEtcd;
  /** A new client, closed after the test. */
  client(endpoints?: readonly string[]): EtcdClient;
  /** A key layout under a prefix of this test's own. */
  keys(): EtcdKeys;
  /** Runs at the end of the current test (in reverse order), before the clients close. */
  defer(cleanup: () => unknown): void;
}

let prefixes = 0;

export function useEtcd(): EtcdFixture {
  let etcd: RunningEtcd | null = null;
  let clients: EtcdClient[] = [];
  let cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    etcd = await startEtcd();
  }, 30_000);

  afterEach(async () => {
    const pending = cleanups.reverse();
    cleanups = [];
    for (const c of pending) await c();
    for (const c of clients) c.close();
    clients = [];
  });

  afterAll(async () => {
    await etcd?.close();
  });

  return {
    get etcd() {
      if (!etcd) throw new Error('etcd is not started');
      return etcd;
    },
    client(endpoints) {
      if (!etcd) throw new Error('etcd is not started');
      const c = connectEtcd({ endpoints: endpoints ?? etcd.endpoints, requestTimeoutMs: 3000 });
      clients.push(c);
      return c;
    },
    keys() {
      return new EtcdKeys(`/weir-test/${process.pid}-${++prefixes}`);
    },
    defer(cleanup) {
      cleanups.push(cleanup);
    },
  };
}

/** Resolves when `check` is true; polls, failing with `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
