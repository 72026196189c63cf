import { truncationPoint, type FollowerLogView } from './follower-truncation';

/** A follower log with these epochs (epoch, start offset), ending at `logEndOffset`. */
function follower(epochs: [number, number][], logEndOffset: number, highWatermark = 0): FollowerLogView {
  return {
    logEndOffset,
    highWatermark,
    endOffsetForEpoch(epoch) {
      let at = -1;
      for (let i = 0; i < epochs.length; i++) if (epochs[i]![0] <= epoch) at = i;
      if (at < 0) return { epoch: -1, endOffset: -1 };
      const next = epochs[at + 1];
      return { epoch: epochs[at]![0], endOffset: next ? next[1] : logEndOffset };
    },
  };
}

describe('where a follower truncates (KIP-101/279)', () => {
  test('the same epoch on both sides: the smaller end, done', () => {
    expect(truncationPoint({ epoch: 2, endOffset: 7 }, follower([[0, 0], [2, 5]], 9))).toEqual({ offset: 7, complete: true });
    expect(truncationPoint({ epoch: 2, endOffset: 12 }, follower([[0, 0], [2, 5]], 9))).toEqual({ offset: 9, complete: true });
  });

  test('the follower wrote in an epoch the leader never had: cut to where its older epoch ends, and ask again', () => {
    // Follower: epoch 0 from 0, epoch 2 from 5; the leader has epoch 0 then 1 (from 4).
    const first = truncationPoint({ epoch: 1, endOffset: 8 }, follower([[0, 0], [2, 5]], 9));
    expect(first).toEqual({ offset: 5, complete: false });
    // Next round the follower's latest epoch is 0; the leader says epoch 0 ends at 4.
    expect(truncationPoint({ epoch: 0, endOffset: 4 }, follower([[0, 0]], 5))).toEqual({ offset: 4, complete: true });
  });

  test('the leader knows no end for the epoch: keep what is below the high watermark', () => {
    expect(truncationPoint({ epoch: -1, endOffset: -1 }, follower([[3, 0]], 9, 6))).toEqual({ offset: 6, complete: true });
  });

  test('an answer without an epoch, or an epoch older than any the follower has: the leader\'s end offset', () => {
    expect(truncationPoint({ epoch: -1, endOffset: 4 }, follower([[3, 0]], 9))).toEqual({ offset: 4, complete: true });
    expect(truncationPoint({ epoch: 1, endOffset: 4 }, follower([[3, 0]], 9))).toEqual({ offset: 4, complete: true });
  });

  test('never past the follower\'s own log end', () => {
    expect(truncationPoint({ epoch: -1, endOffset: 40 }, follower([[3, 0]], 9))).toEqual({ offset: 9, complete: true });
  });
});
