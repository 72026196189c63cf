/**
 * Where a Weir cluster keeps its state in etcd: every key lives under the
 * cluster's prefix (`etcd.key.prefix`, default `/weir`), so several clusters
 * can share one etcd. This file is the one place that spells the layout:
 *
 *   <prefix>/cluster.id                       the cluster id, written once
 *   <prefix>/brokers/<node.id>                a live broker's registration (JSON),
 *                                             attached to its session lease
 *   <prefix>/controller/<lease id, hex>       one per controller candidate, on its
 *                                             lease; the lowest create revision is
 *                                             the controller
 *   <prefix>/metadata/end                     the metadata log's last offset (decimal)
 *   <prefix>/metadata/log/<base offset>       one committed batch of metadata
 *                                             records (a Kafka record batch)
 *   <prefix>/metadata/snapshot                which snapshot is current (JSON)
 *   <prefix>/metadata/snapshots/<offset>/<n>  the snapshot's records, in chunks
 *
 * Offsets are zero-padded to 20 digits so that etcd's byte order is offset
 * order: a range read returns the log in order, and "everything up to offset
 * S" is one DeleteRange.
 */

const OFFSET_DIGITS = 20;
const CHUNK_DIGITS = 6;

/** Zero-padded decimal, so that byte order is numeric order. */
export function padOffset(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`not an offset: ${offset}`);
  return String(offset).padStart(OFFSET_DIGITS, '0');
}

/** The end of etcd's range "every key starting with `prefix`": the prefix with its last byte incremented. */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // etcd: "\0" as range_end means "to the end of the keyspace"
}

export class EtcdKeys {
  /** The cluster's prefix without a trailing slash. */
  readonly root: string;

  constructor(prefix: string) {
    const trimmed = prefix.replace(/\/+$/, '');
    if (trimmed.length === 0) throw new RangeError(`etcd.key.prefix must name a prefix, got '${prefix}'`);
    this.root = trimmed;
  }

  private key(rest: string): Buffer {
    return Buffer.from(`${this.root}/${rest}`);
  }

  get clusterId(): Buffer {
    return this.key('cluster.id');
  }

  get brokers(): Buffer {
    return this.key('brokers/');
  }

  broker(nodeId: number): Buffer {
    return this.key(`brokers/${nodeId}`);
  }

  /** The node id in a broker registration key, or null if the key is not one. */
  brokerIdOf(key: Buffer): number | null {
    const prefix = this.brokers;
    if (key.length <= prefix.length || !key.subarray(0, prefix.length).equals(prefix)) return null;
    const text = key.subarray(prefix.length).toString();
    return /^-?\d+$/.test(text) ? Number(text) : null;
  }

  get controllerCandidates(): Buffer {
    return this.key('controller/');
  }

  controllerCandidate(leaseId: string): Buffer {
    return this.key(`controller/${BigInt(leaseId).toString(16)}`);
  }

  get metadataEnd(): Buffer {
    return this.key('metadata/end');
  }

  get metadataLog(): Buffer {
    return this.key('metadata/log/');
  }

  metadataLogEntry(baseOffset: number): Buffer {
    return this.key(`metadata/log/${padOffset(baseOffset)}`);
  }

  /** The base offset in a log entry's key. */
  baseOffsetOf(key: Buffer): number {
    const prefix = this.metadataLog;
    const text = key.subarray(prefix.length).toString();
    if (!/^\d{20}$/.test(text)) throw new Error(`not a metadata log key: ${key.toString()}`);
    return Number(text);
  }

  get metadataSnapshot(): Buffer {
    return this.key('metadata/snapshot');
  }

  get metadataSnapshots(): Buffer {
    return this.key('metadata/snapshots/');
  }

  metadataSnapshotChunks(offset: number): Buffer {
    return this.key(`metadata/snapshots/${padOffset(offset)}/`);
  }

  metadataSnapshotChunk(offset: number, index: number): Buffer {
    return this.key(`metadata/snapshots/${padOffset(offset)}/${String(index).padStart(CHUNK_DIGITS, '0')}`);
  }
}
