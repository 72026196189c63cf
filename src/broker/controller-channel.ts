/**
 * How a broker of a cluster reaches the controller, over Kafka's protocol
 * (the inter-broker listener: `inter.broker.listener.name`, else the first
 * listener, as registered in the metadata):
 * - `forward`: a client's admin request (CreateTopics, DeleteTopics,
 *   CreatePartitions, AlterConfigs, IncrementalAlterConfigs) that reached a
 *   broker which is not the controller travels in an Envelope (KIP-590),
 *   with the client's principal and address; the controller handles it as
 *   if the client had sent it there and the answer goes back unchanged.
 *   Clients therefore never see NOT_CONTROLLER from an admin request, as
 *   with Kafka's brokers.
 * - `createTopics`, `allocateProducerIds`: what the broker writes on its own
 *   behalf (auto-created and internal topics, producer-id blocks), sent as
 *   CreateTopics and AllocateProducerIds, as Kafka's brokers do;
 * - `alterPartition`: a leader's ISR changes (AlterPartition, as Kafka's
 *   brokers send their KRaft controller).
 *
 * One connection, to the current controller, replaced when the controller
 * changes. A request finding no controller, a broken connection, or a
 * broker that answers NOT_CONTROLLER (deposed meanwhile) is retried every
 * RETRY_MS until the controller answers or `request.timeout.ms` has passed;
 * then the forwarding rejects and the client's connection is closed (it
 * retries on a new one, as after any broker failure).
 */
import * as net from 'node:net';
import type { Logger } from '../logger';
import type { CreatedTopic, CreateTopicRequest, IsrChangeOutcome, IsrChangeRequest, TopicError } from '../cluster/controller';
import type { InterBrokerClient } from './inter-broker-client';
import type { IsrChangeChannel } from '../cluster/replication/alter-partition-manager';
import type { RemoteController } from '../cluster/cluster-controller';
import type { ProducerIdBlock } from '../cluster/metadata/metadata-delta';
import { BrokerConnection, type ApiCodecs } from '../client/connection';
import type { ApiSpec } from '../protocol/apis';
import { Apis } from '../protocol/apis';
import { ErrorCode } from '../protocol/errors';
import { encodeMessageToBuffer } from '../protocol/message-io';
import {
  AllocateProducerIdsRequestCodec,
  AllocateProducerIdsResponseCodec,
  type AllocateProducerIdsRequest,
  type AllocateProducerIdsResponse,
  AlterPartitionRequestCodec,
  AlterPartitionResponseCodec,
  type AlterPartitionRequest,
  type AlterPartitionResponse,
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  DefaultPrincipalDataCodec,
  EnvelopeRequestCodec,
  EnvelopeResponseCodec,
  type EnvelopeRequest,
  type EnvelopeResponse,
  RequestHeaderCodec,
} from '../protocol/messages';
import { isFlexible, readTaggedFields } from '../protocol/primitives/codec-support';
import { Reader } from '../protocol/primitives/reader';
import type { RequestContext } from '../network/request-context';
import { requestHeaderVersion } from '../network/request-header';
import type { KafkaPrincipal } from '../security/principal';

/**
 * An inter-broker API's spec whose codecs load on first use (a single broker
 * never sends these).
 */
export function lazyApi<Req, Res>(apiKey: number, name: string, maxVersion: number, request: () => ApiSpec<Req, Res>['request'], response: () => ApiSpec<Req, Res>['response']): ApiSpec<Req, Res> {
  return {
    apiKey,
    name,
    minVersion: 0,
    maxVersion,
    get request() {
      return request();
    },
    get response() {
      return response();
    },
  };
}

/** The inter-broker APIs Weir's brokers send the controller (not advertised to clients). */
export const ENVELOPE_API = lazyApi<EnvelopeRequest, EnvelopeResponse>(58, 'Envelope', 0, () => EnvelopeRequestCodec, () => EnvelopeResponseCodec);
export const ALTER_PARTITION_API = lazyApi<AlterPartitionRequest, AlterPartitionResponse>(56, 'AlterPartition', 3, () => AlterPartitionRequestCodec, () => AlterPartitionResponseCodec);
export const ALLOCATE_PRODUCER_IDS_API = lazyApi<AllocateProducerIdsRequest, AllocateProducerIdsResponse>(
  67,
  'AllocateProducerIds',
  0,
  () => AllocateProducerIdsRequestCodec,
  () => AllocateProducerIdsResponseCodec,
);

const RETRY_MS = 100;
const CREATE_TOPICS_VERSION = 7;

export interface ControllerChannelOptions {
  readonly nodeId: number;
  /** The controller's node id as this broker sees it (-1: none). */
  readonly controllerId: () => number;
  /** Where the other brokers are and how to dial them (their inter-broker listener, its security). */
  readonly interBroker: InterBrokerClient;
  readonly requestTimeoutMs: number;
  readonly log: Logger;
}

export class ControllerChannel implements RemoteController, IsrChangeChannel {
  private current: { nodeId: number; address: string; connection: Promise<BrokerConnection> } | null = null;
  private closed = false;

  constructor(private readonly options: ControllerChannelOptions) {}

  /** A client's request, in an Envelope, to the controller; resolves with the controller's answer to it. */
  async forward(spec: ApiSpec<unknown, unknown>, request: unknown, ctx: RequestContext): Promise<unknown> {
    const header = encodeMessageToBuffer(
      RequestHeaderCodec,
      { requestApiKey: spec.apiKey, requestApiVersion: ctx.apiVersion, correlationId: ctx.correlationId, clientId: ctx.clientId ?? '' },
      requestHeaderVersion(spec.apiKey, ctx.apiVersion, isFlexible(spec.request, ctx.apiVersion)),
    );
    const body = encodeMessageToBuffer(spec.request, request, ctx.apiVersion);
    const envelope: EnvelopeRequest = {
      requestData: Buffer.concat([header, body]),
      requestPrincipal: serializePrincipal(ctx.principal),
      // The context's remote address is "address:port"; the Envelope carries the address.
      clientHostAddress: addressBytes(ctx.remoteAddress.replace(/:\d+$/, '')),
    };
    const res = await this.send(ENVELOPE_API, 0, envelope, (r) => r.errorCode === ErrorCode.NOT_CONTROLLER);
    if (res.errorCode !== ErrorCode.NONE || res.responseData === null) {
      throw new Error(`the controller refused a forwarded ${spec.name} request: error ${res.errorCode}`);
    }
    return decodeForwardedResponse(spec, ctx.apiVersion, res.responseData);
  }

  async createTopics(reqs: readonly CreateTopicRequest[]): Promise<(TopicError | CreatedTopic)[]> {
    const body: CreateTopicsRequest = {
      topics: reqs.map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: [...a.brokerIds] })),
        configs: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: this.options.requestTimeoutMs,
      validateOnly: false,
    };
    const res = await this.send(Apis.CreateTopics, CREATE_TOPICS_VERSION, body, (r) => r.topics.some((t) => t.errorCode === ErrorCode.NOT_CONTROLLER));
    return reqs.map((req): TopicError | CreatedTopic => {
      const t = res.topics.find((x: CreateTopicsResponse.CreatableTopicResult) => x.name === req.name);
      if (!t) return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: `the controller did not answer for topic ${req.name}` };
      if (t.errorCode !== ErrorCode.NONE) return { errorCode: t.errorCode as ErrorCode, errorMessage: t.errorMessage ?? '' };
      const configs: Record<string, string> = {};
      for (const c of t.configs ?? []) if (c.value !== null) configs[c.name] = c.value;
      return { name: t.name, topicId: t.topicId, partitions: t.numPartitions, replicationFactor: t.replicationFactor, configs };
    });
  }

  async allocateProducerIds(brokerId: number, brokerEpoch: number): Promise<ProducerIdBlock> {
    const res = await this.send(ALLOCATE_PRODUCER_IDS_API, 0, { brokerId, brokerEpoch: BigInt(brokerEpoch) }, (r) => r.errorCode === ErrorCode.NOT_CONTROLLER);
    if (res.errorCode !== ErrorCode.NONE) throw new Error(`the controller refused a producer id block: error ${res.errorCode}`);
    const firstId = Number(res.producerIdStart);
    return { brokerId, brokerEpoch, firstId, endId: firstId + res.producerIdLen };
  }

  /** A leader's ISR changes (AlterPartition v3: topic ids, members with their broker epochs). */
  async alterPartition(brokerId: number, brokerEpoch: number, items: readonly IsrChangeRequest[]): Promise<IsrChangeOutcome> {
    const topics = new Map<string, AlterPartitionRequest.PartitionData[]>();
    for (const item of items) {
      const list = topics.get(item.topicId) ?? [];
      list.push({
        partitionIndex: item.partition,
        leaderEpoch: item.leaderEpoch,
        newIsr: [],
        newIsrWithEpochs: item.newIsr.map((m) => ({ brokerId: m.brokerId, brokerEpoch: BigInt(m.brokerEpoch) })),
        leaderRecoveryState: 0,
        partitionEpoch: item.partitionEpoch,
      });
      topics.set(item.topicId, list);
    }
    const body: AlterPartitionRequest = {
      brokerId,
      brokerEpoch: BigInt(brokerEpoch),
      topics: [...topics].map(([topicId, partitions]) => ({ topicName: '', topicId, partitions })),
    };
    // A controller whose image is behind the leader's answers NOT_CONTROLLER for the partition: asked again.
    const behind = (r: AlterPartitionResponse) => r.errorCode === ErrorCode.NOT_CONTROLLER || r.topics.some((t) => t.partitions.some((p) => p.errorCode === ErrorCode.NOT_CONTROLLER));
    const res = await this.send(ALTER_PARTITION_API, 3, body, behind);
    return {
      errorCode: res.errorCode as ErrorCode,
      partitions: res.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topicId: t.topicId,
          partition: p.partitionIndex,
          errorCode: p.errorCode as ErrorCode,
          leaderId: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          partitionEpoch: p.partitionEpoch,
          isr: p.isr,
        })),
      ),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const current = this.current;
    this.current = null;
    if (current) await current.connection.then((c) => c.close()).catch(() => undefined);
  }

  /** Sends to the controller, retrying (see the file header) while `retriable` says the answer came from a deposed one. */
  private async send<Req, Res>(api: ApiCodecs<Req, Res>, version: number, body: Req, retriable: (res: Res) => boolean): Promise<Res> {
    const deadline = Date.now() + this.options.requestTimeoutMs;
    let lastProblem = 'no controller is elected';
    for (;;) {
      if (this.closed) throw new Error('broker shutting down');
      const connection = this.connectionToController();
      if (connection) {
        try {
          const res = await (await connection).send(api, version, body);
          if (!retriable(res)) return res;
          lastProblem = `node ${this.current?.nodeId} is no longer the controller`;
        } catch (err) {
          lastProblem = (err as Error).message;
          this.drop(connection);
        }
      }
      if (Date.now() >= deadline) throw new Error(`could not reach the controller within ${this.options.requestTimeoutMs} ms: ${lastProblem}`);
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  private connectionToController(): Promise<BrokerConnection> | null {
    const id = this.options.controllerId();
    if (id < 0) return null;
    const address = this.options.interBroker.addressOf(id);
    if (address === null) return null;
    if (this.current && this.current.nodeId === id && this.current.address === address) return this.current.connection;
    const previous = this.current;
    if (previous) void previous.connection.then((c) => c.close()).catch(() => undefined);
    const connection = this.options.interBroker.connect(address, { clientId: `weir-broker-${this.options.nodeId}`, requestTimeoutMs: this.options.requestTimeoutMs });
    connection.catch(() => undefined); // a failed connect is seen by the sender
    this.current = { nodeId: id, address, connection };
    this.options.log.debug({ controllerId: id, address }, 'connecting to the controller');
    return connection;
  }

  private drop(connection: Promise<BrokerConnection>): void {
    if (this.current?.connection !== connection) return;
    this.current = null;
    void connection.then((c) => c.close()).catch(() => undefined);
  }
}

/** Kafka's DefaultKafkaPrincipalBuilder serialization: a version (0), then DefaultPrincipalData. */
export function serializePrincipal(p: KafkaPrincipal): Buffer {
  const version = Buffer.alloc(2);
  version.writeInt16BE(0);
  return Buffer.concat([version, encodeMessageToBuffer(DefaultPrincipalDataCodec, { type: p.type, name: p.name, tokenAuthenticated: false }, 0)]);
}

export function deserializePrincipal(bytes: Buffer): KafkaPrincipal {
  const r = new Reader(bytes);
  const version = r.int16();
  const data = DefaultPrincipalDataCodec.read(r, version);
  return { type: data.type, name: data.name };
}

/** An IP address as Kafka's Envelope carries it: 4 or 16 raw bytes. */
export function addressBytes(address: string): Buffer {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(address);
  if (v4) return Buffer.from(v4.slice(1, 5).map(Number));
  if (net.isIPv6(address)) {
    const [head, tail] = address.split('::') as [string, string | undefined];
    const groups = (s: string | undefined) => (s ? s.split(':') : []);
    const left = groups(head);
    const right = groups(tail);
    const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
    const out = Buffer.alloc(16);
    all.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
    return out;
  }
  return Buffer.alloc(4);
}

/** The textual address of Envelope's client address bytes. */
export function addressText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
    return groups.join(':');
  }
  return '0.0.0.0';
}

/** A response as the Envelope carries it (header, then body) decoded for the client's version. */
function decodeForwardedResponse(spec: ApiSpec<unknown, unknown>, version: number, data: Buffer): unknown {
  const r = new Reader(data);
  r.int32(); // correlation id: the client's, which the local connection answers with anyway
  if (isFlexible(spec.response, version)) readTaggedFields(r, undefined);
  return spec.response.read(r, version);
}
