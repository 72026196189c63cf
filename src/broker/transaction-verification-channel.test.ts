import { ErrorCode } from '../protocol/errors';
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../protocol/messages';
import { TransactionVerificationChannel } from './transaction-verification-channel';

interface Sent {
  brokerId: number;
  request: AddPartitionsToTxnRequest;
  answer: (r: AddPartitionsToTxnResponse) => void;
  fail: () => void;
}

function setup(coordinators: Record<string, number>) {
  const sent: Sent[] = [];
  const channel = new TransactionVerificationChannel({
    coordinatorOf: (id) => coordinators[id] ?? -1,
    send: (brokerId, request) =>
      new Promise((resolve, reject) => sent.push({ brokerId, request, answer: resolve, fail: () => reject(new Error('connection closed')) })),
  });
  return { sent, channel };
}

/** The coordinator's answer: these per partition codes for each transactional id. */
function response(results: Record<string, [string, number, number][]>, errorCode: number = ErrorCode.NONE): AddPartitionsToTxnResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    resultsByTopicV3AndBelow: [],
    resultsByTransaction: Object.entries(results).map(([transactionalId, parts]) => ({
      transactionalId,
      topicResults: parts.map(([name, partitionIndex, partitionErrorCode]) => ({ name, resultsByPartition: [{ partitionIndex, partitionErrorCode }] })),
    })),
  };
}

const A0 = { topic: 'a', partition: 0 };
const A1 = { topic: 'a', partition: 1 };

describe('TransactionVerificationChannel', () => {
  test('one AddPartitionsToTxn v4 verifyOnly per coordinator in flight; questions meanwhile go together in the next', async () => {
    const { sent, channel } = setup({ t1: 2, t2: 2, t3: 2 });
    const first = channel.verify('t1', 10, 0, [A0, A1]);
    const second = channel.verify('t2', 11, 0, [A0]);
    const third = channel.verify('t3', 12, 3, [A1]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.request.transactions).toEqual([{ transactionalId: 't1', producerId: 10n, producerEpoch: 0, verifyOnly: true, topics: [{ name: 'a', partitions: [0, 1] }] }]);
    sent[0]!.answer(response({ t1: [['a', 1, ErrorCode.INVALID_TXN_STATE]] }));
    // A partition the answer does not name is verified, as in Kafka.
    expect(await first).toEqual([ErrorCode.NONE, ErrorCode.INVALID_TXN_STATE]);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.request.transactions.map((t) => t.transactionalId)).toEqual(['t2', 't3']);
    sent[1]!.answer(response({ t2: [['a', 0, ErrorCode.PRODUCER_FENCED]], t3: [] }));
    expect(await second).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    expect(await third).toEqual([ErrorCode.NONE]);
  });

  test('a second question for a waiting id: the newer epoch wins, the same epoch replaces the old one (NETWORK_EXCEPTION)', async () => {
    const { sent, channel } = setup({ busy: 1, t: 1 });
    void channel.verify('busy', 1, 0, [A0]); // in flight
    const old = channel.verify('t', 5, 1, [A0]);
    const stale = channel.verify('t', 5, 0, [A1]);
    expect(await stale).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    const newer = channel.verify('t', 5, 2, [A1]);
    expect(await old).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    const same = channel.verify('t', 5, 2, [A0]);
    expect(await newer).toEqual([ErrorCode.NETWORK_EXCEPTION]);
    sent[0]!.answer(response({ busy: [] }));
    await new Promise((r) => setImmediate(r));
    expect(sent[1]!.request.transactions).toHaveLength(1);
    sent[1]!.answer(response({ t: [] }));
    expect(await same).toEqual([ErrorCode.NONE]);
  });

  test('no live coordinator, a lost connection, a top-level error', async () => {
    const { sent, channel } = setup({ t: 3 });
    expect(await channel.verify('nobody', 1, 0, [A0])).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    const lost = channel.verify('t', 1, 0, [A0, A1]);
    sent[0]!.fail();
    expect(await lost).toEqual([ErrorCode.NETWORK_EXCEPTION, ErrorCode.NETWORK_EXCEPTION]);
    const refused = channel.verify('t', 1, 0, [A0]);
    sent[1]!.answer(response({}, ErrorCode.CLUSTER_AUTHORIZATION_FAILED));
    expect(await refused).toEqual([ErrorCode.INVALID_TXN_STATE]);
  });
});
