/**
 * Where a follower truncates its log when it starts following a leader
 * (KIP-101, with KIP-279's rounds), from the leader's answer to
 * OffsetForLeaderEpoch for the follower's latest epoch:
 * - the leader knows no end for it (-1): the follower keeps what is below
 *   its high watermark, which the leader had acknowledged;
 * - the leader answers without an epoch (an old leader): its end offset;
 * - the leader answers with an epoch the follower also has: the smaller of
 *   the two logs' ends of that epoch; done;
 * - the leader answers with an epoch the follower does not have (the
 *   follower wrote in epochs the leader never saw): the follower cuts to
 *   where its own largest epoch below the leader's ends, and asks again
 *   with its new latest epoch (another round), until the two agree.
 * Never past the follower's own log end.
 */

export interface EpochEndOffset {
  epoch: number;
  endOffset: number;
}

export interface FollowerLogView {
  logEndOffset: number;
  highWatermark: number;
  /** The follower's largest epoch at or below `epoch` and where it ends ((-1, -1) when none). */
  endOffsetForEpoch(epoch: number): EpochEndOffset;
}

export interface TruncationPoint {
  offset: number;
  /** False: ask the leader again with the follower's latest epoch after truncating. */
  complete: boolean;
}

export function truncationPoint(leader: EpochEndOffset, follower: FollowerLogView): TruncationPoint {
  const end = follower.logEndOffset;
  if (leader.endOffset < 0) return { offset: Math.min(follower.highWatermark, end), complete: true };
  if (leader.epoch < 0) return { offset: Math.min(leader.endOffset, end), complete: true };
  const own = follower.endOffsetForEpoch(leader.epoch);
  if (own.epoch < 0 || own.endOffset < 0) return { offset: Math.min(leader.endOffset, end), complete: true };
  if (own.epoch !== leader.epoch) return { offset: Math.min(own.endOffset, end), complete: false };
  return { offset: Math.min(own.endOffset, leader.endOffset, end), complete: true };
}
