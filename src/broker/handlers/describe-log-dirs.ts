/**
 * DescribeLogDirs (key 35), v0–4.
 *
 * Weir has one log dir: the data directory (its absolute path), or, for an
 * in-memory broker, the memory store's label. Each broker reports the
 * replicas it holds, leader and follower alike (in a cluster, ask every
 * broker; a replica moved away by a reassignment is gone once its broker
 * deleted the log). `topics` null means every partition; otherwise only the
 * listed partitions this broker hosts (others are left out silently, as
 * Kafka does), and topics with none left are dropped. Sizes are the bytes of
 * the partition's segments; the offset lag is Kafka's for a current replica,
 * how far its log end is below its own high watermark (0 but for a moment
 * after a truncation; Weir has no future replicas). Version notes: v3 adds a top-level error code; v4 the log dir's
 * total and usable bytes, from statfs on the data directory (-1 in memory
 * or when statfs fails or is unavailable).
 * Authorization (Kafka's KafkaApis): DESCRIBE on the cluster, else no log
 * dirs and (v3+) CLUSTER_AUTHORIZATION_FAILED.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

/** Total and usable bytes of the file system holding `dir`, or -1 each. */
function diskSpace(dir: string | null): { totalBytes: bigint; usableBytes: bigint } {
  const unknown = { totalBytes: -1n, usableBytes: -1n };
  // statfsSync exists from Node 18.15; guard for embedders on older builds.
  if (dir === null || typeof fs.statfsSync !== 'function') return unknown;
  try {
    const s = fs.statfsSync(dir, { bigint: true });
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return unknown;
  }
}

export function describeLogDirsHandler(b: BrokerContext) {
  return defineHandler(Apis.DescribeLogDirs, (req: DescribeLogDirsRequest, ctx): DescribeLogDirsResponse => {
    if (!b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    }
    const wanted: Set<string> | null =
      req.topics === null ? null : new Set(req.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}\u0000${p}`)));
    const byTopic = new Map<string, DescribeLogDirsResponse.DescribeLogDirsPartition[]>();
    for (const log of b.logs.logs()) {
      if (wanted !== null && !wanted.has(`${log.topic}\u0000${log.partition}`)) continue;
      // A log no replica of this broker owns (left by a broker that was down when its replica moved away) is not reported, as Kafka's stray logs.
      const partition = b.replicaManager.getPartition(log.topic, log.partition);
      if (partition === undefined) continue;
      let partitions = byTopic.get(log.topic);
      if (!partitions) byTopic.set(log.topic, (partitions = []));
      const offsetLag = BigInt(Math.max(0, partition.highWatermark - log.logEndOffset));
      partitions.push({ partitionIndex: log.partition, partitionSize: BigInt(log.size), offsetLag, isFutureKey: false });
    }
    const topics = [...byTopic.entries()]
      .sort(([a], [b2]) => (a < b2 ? -1 : a > b2 ? 1 : 0))
      .map(([name, partitions]) => ({ name, partitions: partitions.sort((x, y) => x.partitionIndex - y.partitionIndex) }));
    const space = ctx.apiVersion >= 4 ? diskSpace(b.dataDir) : { totalBytes: -1n, usableBytes: -1n };
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [
        {
          errorCode: ErrorCode.NONE,
          logDir: b.dataDir === null ? b.logs.dir.path : path.resolve(b.dataDir),
          topics,
          ...space,
        },
      ],
    };
  });
}
