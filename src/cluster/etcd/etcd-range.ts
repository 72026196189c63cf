/**
 * Reads every key in a range at one revision, page by page: a range with
 * thousands of values (the metadata log, the snapshot's chunks) need not fit
 * one gRPC message, and pinning every page to the first page's revision
 * keeps the whole read consistent.
 */
import type { EtcdClient } from './etcd-client';
import type { IKeyValue } from './etcd-messages';

const PAGE_KEYS = 256;

export interface RangeRead {
  readonly kvs: IKeyValue[];
  /** The revision the range was read at. */
  readonly revision: number;
}

/** All keys in [start, end) at `revision` (the current one when omitted), in key order. */
export async function readRange(client: EtcdClient, start: Buffer, end: Buffer, revision?: number): Promise<RangeRead> {
  const kvs: IKeyValue[] = [];
  let from = start;
  let at = revision;
  for (;;) {
    const res = await client.kv.range({ key: from, range_end: end, limit: PAGE_KEYS, ...(at !== undefined ? { revision: at } : {}) });
    at ??= Number(res.header.revision);
    kvs.push(...res.kvs);
    const last = res.kvs[res.kvs.length - 1];
    if (!res.more || last === undefined) return { kvs, revision: at };
    from = Buffer.concat([last.key, Buffer.from([0])]);
  }
}

/** One key at `revision` (current when omitted), or null. */
export async function readKey(client: EtcdClient, key: Buffer, revision?: number): Promise<RangeRead & { kv: IKeyValue | null }> {
  const res = await client.kv.range({ key, ...(revision !== undefined ? { revision } : {}) });
  return { kvs: res.kvs, kv: res.kvs[0] ?? null, revision: Number(res.header.revision) };
}
