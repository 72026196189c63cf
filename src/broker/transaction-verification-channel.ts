/**
 * How a partition leader verifies a transactional produce with a
 * transaction coordinator on another broker (KIP-890 part 1; Kafka's
 * AddPartitionsToTxnManager): AddPartitionsToTxn v4 with `verifyOnly`,
 * sent over the inter-broker listener to the leader of the transactional
 * id's `__transaction_state` partition.
 *
 * Questions are batched per coordinator: one request in flight per
 * coordinator broker, and what arrives meanwhile goes in the next request,
 * one entry per transactional id. A second question for an id already
 * waiting replaces it when its epoch is at least as new (the older one is
 * answered INVALID_PRODUCER_EPOCH, or NETWORK_EXCEPTION for the same epoch:
 * its produce is retried), else it is answered INVALID_PRODUCER_EPOCH
 * itself, as in Kafka.
 *
 * Answers: the coordinator's per partition codes (PRODUCER_FENCED read as
 * INVALID_PRODUCER_EPOCH); a top-level error for every partition
 * (CLUSTER_AUTHORIZATION_FAILED as INVALID_TXN_STATE); a connection lost or
 * timed out is NETWORK_EXCEPTION; no live coordinator is
 * COORDINATOR_NOT_AVAILABLE. transaction-verification.ts maps these to what
 * the producer is answered.
 */
import type { Logger } from '../logger';
import { ErrorCode } from '../protocol/errors';
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../protocol/messages';
import type { VerifiedPartition } from '../cluster/transaction-verification';

/** AddPartitionsToTxn v4: the first version with batched transactions and verifyOnly. */
export const VERIFY_ADD_PARTITIONS_VERSION = 4;

export interface TransactionVerificationChannelOptions {
  /** The broker leading the transactional id's `__transaction_state` partition; -1 when there is none. */
  coordinatorOf: (transactionalId: string) => number;
  /** Sends AddPartitionsToTxn v4 to a broker. */
  send: (brokerId: number, request: AddPartitionsToTxnRequest) => Promise<AddPartitionsToTxnResponse>;
  log?: Logger | null;
}

interface Question {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  partitions: readonly VerifiedPartition[];
  answer: (codes: ErrorCode[]) => void;
}

export class TransactionVerificationChannel {
  /** Per coordinator broker: the questions waiting for the next request, by transactional id. */
  private readonly waiting = new Map<number, Map<string, Question>>();
  private readonly inFlight = new Set<number>();

  constructor(private readonly options: TransactionVerificationChannelOptions) {}

  verify(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly VerifiedPartition[]): Promise<ErrorCode[]> {
    return new Promise((resolve) => {
      const question: Question = { transactionalId, producerId, producerEpoch, partitions, answer: resolve };
      const coordinator = this.options.coordinatorOf(transactionalId);
      if (coordinator < 0) return answerAll(question, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      let queue = this.waiting.get(coordinator);
      if (!queue) this.waiting.set(coordinator, (queue = new Map()));
      const existing = queue.get(transactionalId);
      if (existing) {
        if (existing.producerEpoch > producerEpoch) return answerAll(question, ErrorCode.INVALID_PRODUCER_EPOCH);
        answerAll(existing, existing.producerEpoch < producerEpoch ? ErrorCode.INVALID_PRODUCER_EPOCH : ErrorCode.NETWORK_EXCEPTION);
      }
      queue.set(transactionalId, question);
      this.maybeSend(coordinator);
    });
  }

  private maybeSend(coordinator: number): void {
    const queue = this.waiting.get(coordinator);
    if (this.inFlight.has(coordinator) || !queue || queue.size === 0) return;
    this.waiting.delete(coordinator);
    this.inFlight.add(coordinator);
    const questions = [...queue.values()];
    const request: AddPartitionsToTxnRequest = {
      transactions: questions.map((q) => ({
        transactionalId: q.transactionalId,
        producerId: BigInt(q.producerId),
        producerEpoch: q.producerEpoch,
        verifyOnly: true,
        topics: byTopic(q.partitions),
      })),
      v3AndBelowTransactionalId: '',
      v3AndBelowProducerId: 0n,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [],
    };
    let sent: Promise<AddPartitionsToTxnResponse>;
    try {
      sent = this.options.send(coordinator, request);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      (response) => {
        this.inFlight.delete(coordinator);
        for (const q of questions) q.answer(answersFrom(response, q));
        this.maybeSend(coordinator);
      },
      (err: unknown) => {
        this.inFlight.delete(coordinator);
        this.options.log?.warn({ coordinator, err: (err as Error)?.message }, 'transaction verification request failed');
        for (const q of questions) answerAll(q, ErrorCode.NETWORK_EXCEPTION);
        this.maybeSend(coordinator);
      },
    );
  }
}

function answerAll(q: Question, code: ErrorCode): void {
  q.answer(q.partitions.map(() => code));
}

function byTopic(partitions: readonly VerifiedPartition[]): AddPartitionsToTxnRequest.AddPartitionsToTxnTopic[] {
  const topics = new Map<string, number[]>();
  for (const p of partitions) {
    const list = topics.get(p.topic) ?? [];
    list.push(p.partition);
    topics.set(p.topic, list);
  }
  return [...topics].map(([name, ids]) => ({ name, partitions: ids }));
}

/** The question's per partition codes from the coordinator's answer (a partition it does not name is verified, as in Kafka). */
function answersFrom(response: AddPartitionsToTxnResponse, q: Question): ErrorCode[] {
  if (response.errorCode !== ErrorCode.NONE) {
    const code = response.errorCode === ErrorCode.CLUSTER_AUTHORIZATION_FAILED ? ErrorCode.INVALID_TXN_STATE : (response.errorCode as ErrorCode);
    return q.partitions.map(() => code);
  }
  const result = response.resultsByTransaction.find((r) => r.transactionalId === q.transactionalId);
  if (!result) return q.partitions.map(() => ErrorCode.NETWORK_EXCEPTION);
  const codes = new Map<string, number>();
  for (const t of result.topicResults) for (const p of t.resultsByPartition) codes.set(`${t.name}\u0000${p.partitionIndex}`, p.partitionErrorCode);
  return q.partitions.map((p) => {
    const code = (codes.get(`${p.topic}\u0000${p.partition}`) ?? ErrorCode.NONE) as ErrorCode;
    return code === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : code;
  });
}
