/**
 * The cluster id: 16 random bytes, URL-safe base64 without padding (Kafka's
 * Uuid form), created with the data dir and kept in it. This module is its
 * one reader and writer, so moving it into Kafka's `meta.properties` is a
 * change here only.
 *
 * It lives in `weir-metadata.json` as `{ "version": 2, "clusterId": ... }`.
 * A version-1 file (written before the metadata log existed) also listed
 * the topics; those are migrated into the metadata log once
 * (legacy-metadata.ts) and the file is rewritten as version 2.
 */
import { randomBytes } from 'node:crypto';
import type { StorageDir } from '../storage/storage-dir';

export const CLUSTER_ID_FILE = 'weir-metadata.json';

/** Kafka cluster ids are 16 random bytes in URL-safe base64 without padding. */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

/** The data dir's cluster id, created (and written) the first time. */
export function readOrCreateClusterId(dir: StorageDir): string {
  const raw = dir.readFile(CLUSTER_ID_FILE);
  if (raw !== null) {
    const parsed = JSON.parse(raw.toString('utf8')) as { clusterId?: unknown };
    if (typeof parsed.clusterId !== 'string' || parsed.clusterId === '') throw new Error(`${dir.path}/${CLUSTER_ID_FILE}: no cluster id`);
    return parsed.clusterId;
  }
  const clusterId = newClusterId();
  writeClusterId(dir, clusterId);
  return clusterId;
}

/** Writes the cluster id file (version 2: the id alone). */
export function writeClusterId(dir: StorageDir, clusterId: string): void {
  dir.writeFile(CLUSTER_ID_FILE, Buffer.from(JSON.stringify({ version: 2, clusterId }, null, 1)), { sync: true });
}
