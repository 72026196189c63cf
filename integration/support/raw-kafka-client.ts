/**
 * The one hand-written Kafka protocol client of the tests (integration tests
 * and the unit tests under src/ alike). It sends any request at any explicit
 * version (newer versions, APIs the real clients lack, fixed producer ids and
 * sequences) and gives raw access to the wire for what no client would send:
 * pipelining, hostile frames, half-read responses. It encodes requests with
 * the project's generated codecs and decodes responses with them, so a broker
 * bug and a codec bug show up as different failures (the header is checked by
 * hand). The `weir` CLI's BrokerConnection (src/client/connection.ts) does
 * not fit: it keeps its socket private, since the CLI only sends valid
 * requests. Both follow the broker's request header rule (`requestHeaderVersion`).
 *
 * Responses arrive in request order on one connection (G14), so the client
 * keeps a FIFO of received frames; `request()` sends and reads the next frame.
 */
import * as net from 'node:net';
import { MessageCodec, ZERO_UUID, isFlexible } from '../../src/protocol/primitives/codec-support';
import { Reader } from '../../src/protocol/primitives/reader';
import { encodeMessageToBuffer } from '../../src/protocol/message-io';
import { RequestHeaderCodec, ResponseHeaderCodec } from '../../src/protocol/messages';
import { LOG_OVERHEAD, decodeRecordBatch, type RecordBatch } from '../../src/protocol/records';
import { Apis } from '../../src/protocol/apis';
import { requestHeaderVersion } from '../../src/network/request-header';
import type { FetchRequest, FetchResponse, MetadataResponse, ProduceRequest, ProduceResponse } from '../../src/protocol/messages';

const API_VERSIONS_KEY = 18;

/** The request and response codecs of one API (an `ApiSpec` from protocol/apis.ts fits). */
export interface ApiCodecs<Req, Res> {
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
}

export interface EncodeOptions {
  correlationId: number;
  clientId?: string | null;
}

/** A request body: the codec's defaults with `fields` over them. */
export function requestBody<Req>(api: ApiCodecs<Req, unknown>, fields: Partial<Req>): Req {
  return { ...api.request.defaults(), ...fields };
}

/**
 * A request header for any key and version, encodable even where no codec
 * exists (hostile tests): header v2 when `flexible`, v1 otherwise (v0 for
 * ControlledShutdown v0), the rule the broker and the CLI client share.
 */
export function encodeRequestHeader(apiKey: number, version: number, correlationId: number, flexible: boolean, clientId: string | null = 'weir-raw-client'): Buffer {
  return encodeMessageToBuffer(
    RequestHeaderCodec,
    { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId },
    requestHeaderVersion(apiKey, version, flexible),
  );
}

/**
 * A complete size-prefixed request frame. The request header version follows
 * the API version's flexibility (v2 for flexible versions, v1 otherwise),
 * exactly as real clients choose it.
 */
export function encodeRequest<Req>(codec: MessageCodec<Req>, version: number, body: Req, opts: EncodeOptions): Buffer {
  const header = encodeRequestHeader(codec.apiKey, version, opts.correlationId, isFlexible(codec, version), opts.clientId);
  const payload = encodeMessageToBuffer(codec, body, version);
  return frame(Buffer.concat([header, payload]));
}

/** Prefixes bytes with their int32 size. */
export function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/**
 * Reads a response frame (without its size prefix): the correlation id, the
 * header tag section when the version is flexible (never for ApiVersions: G3),
 * then the body, which must be consumed exactly.
 */
export function decodeResponse<Res>(codec: MessageCodec<Res>, apiKey: number, version: number, payload: Buffer): { correlationId: number; body: Res } {
  const r = new Reader(payload);
  const flexible = apiKey !== API_VERSIONS_KEY && isFlexible(codec, version);
  const header = ResponseHeaderCodec.read(r, flexible ? 1 : 0);
  const body = codec.read(r, version);
  if (r.remaining !== 0) throw new Error(`${codec.name} v${version}: ${r.remaining} bytes left after the body`);
  return { correlationId: header.correlationId, body };
}

export class RawKafkaClient {
  private pending: Buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiters: (() => void)[] = [];
  private nextCorrelationId = 1;
  private isClosed = false;
  private readonly closedPromise: Promise<void>;

  /**
   * The local port, kept from connect time (Node forgets it once the socket
   * closes): the broker logs this connection as `remote: 127.0.0.1:<localPort>`.
   */
  readonly localPort: number;

  private constructor(readonly socket: net.Socket) {
    this.localPort = socket.localPort ?? 0;
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      while (this.pending.length >= 4) {
        const size = this.pending.readInt32BE(0);
        if (this.pending.length < 4 + size) break;
        this.frames.push(Buffer.from(this.pending.subarray(4, 4 + size)));
        this.pending = this.pending.subarray(4 + size);
      }
      this.wake();
    });
    // Errors (ECONNRESET when the broker drops us) end in 'close' as well.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.isClosed = true;
      this.wake();
    });
  }

  static connect(host: string, port: number): Promise<RawKafkaClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawKafkaClient(socket));
      });
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** A fresh correlation id, unique on this connection. */
  correlationId(): number {
    return this.nextCorrelationId++;
  }

  /** Writes bytes exactly as given (one socket write). */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Encodes a request frame without sending it (for pipelining several in one write). */
  encode<Req, Res>(api: ApiCodecs<Req, Res>, version: number, body: Req, correlationId = this.correlationId()): Buffer {
    return encodeRequest(api.request, version, body, { correlationId });
  }

  /** The next response frame (without its size), or an error when the broker closes first or the deadline passes. */
  async readFrame(timeoutMs = 15_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.shift();
      if (f) return f;
      if (this.isClosed) throw new Error('connection closed by the broker before a response arrived');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Reads and decodes the next response, checking its correlation id. */
  async readResponse<Req, Res>(api: ApiCodecs<Req, Res>, version: number, correlationId: number): Promise<Res> {
    const payload = await this.readFrame();
    const decoded = decodeResponse(api.response, api.request.apiKey, version, payload);
    if (decoded.correlationId !== correlationId) {
      throw new Error(`expected a response to correlation id ${correlationId}, got ${decoded.correlationId}`);
    }
    return decoded.body;
  }

  /** Sends one request and returns its decoded response. */
  async request<Req, Res>(api: ApiCodecs<Req, Res>, version: number, body: Req): Promise<Res> {
    const correlationId = this.correlationId();
    this.writeRaw(this.encode(api, version, body, correlationId));
    return this.readResponse(api, version, correlationId);
  }

  /** Resolves true once the broker has closed the connection, false if it is still open at the deadline. */
  async waitClosed(timeoutMs = 15_000): Promise<boolean> {
    if (this.isClosed) return true;
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      this.closedPromise.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return result;
  }

  /** Frames received and not yet read (a response that should not exist shows up here). */
  get unreadFrames(): number {
    return this.frames.length;
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

// ---- conveniences for the common requests ---------------------------------


export interface ProduceOptions {
  version?: number;
  acks?: number;
  transactionalId?: string | null;
}

/** A Produce request body for one batch to one partition. */
export function produceBody(topic: string, partition: number, records: Buffer, opts: ProduceOptions = {}): ProduceRequest {
  return {
    transactionalId: opts.transactionalId ?? null,
    acks: opts.acks ?? -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  };
}

/** Produces one batch and returns that partition's response. */
export async function producePartition(
  client: RawKafkaClient,
  topic: string,
  partition: number,
  records: Buffer,
  opts: ProduceOptions = {},
): Promise<ProduceResponse.PartitionProduceResponse> {
  const res = await client.request(Apis.Produce, opts.version ?? 9, produceBody(topic, partition, records, opts));
  const p = res.responses.find((t) => t.name === topic)?.partitionResponses.find((x) => x.index === partition);
  if (!p) throw new Error(`no produce response for ${topic}-${partition}`);
  return p;
}

/** Metadata v12 for the named topics (null: all), auto-creating them if asked. */
export function metadata(client: RawKafkaClient, topics: string[] | null, allowAutoTopicCreation = false, version = 12): Promise<MetadataResponse> {
  return client.request(Apis.Metadata, version, {
    topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
    allowAutoTopicCreation,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
}

/** ListOffsets v7: latest (-1) or earliest (-2) offset of one partition. */
export async function listOffset(client: RawKafkaClient, topic: string, partition: number, timestamp: bigint = -1n): Promise<bigint> {
  const res = await client.request(Apis.ListOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }],
  });
  const p = res.topics[0]?.partitions[0];
  if (!p) throw new Error('empty ListOffsets response');
  if (p.errorCode !== 0) throw new Error(`ListOffsets ${topic}-${partition}: error ${p.errorCode}`);
  return p.offset;
}

/** One Fetch v11 (topic by name) from `offset`; returns the partition's response. */
export async function fetchOnce(
  client: RawKafkaClient,
  topic: string,
  partition: number,
  offset: bigint,
  maxBytes = 1024 * 1024,
): Promise<FetchResponse.PartitionData> {
  const res = await client.request(Apis.Fetch, 11, fetchBody(topic, partition, offset, maxBytes));
  const p = res.responses[0]?.partitions[0];
  if (!p) throw new Error('empty Fetch response');
  return p;
}

/** A Fetch request body (any version; topic by name) for one partition from `offset`, answered at once. */
export function fetchBody(topic: string, partition: number, offset: bigint, maxBytes = 1024 * 1024): FetchRequest {
  return {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        topicId: ZERO_UUID,
        partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: maxBytes, replicaDirectoryId: ZERO_UUID }],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}

export interface PartitionLog {
  /** Every batch from the start offset to the high watermark, decoded with its CRC verified. */
  batches: RecordBatch[];
  highWatermark: bigint;
}

/**
 * Reads a partition from `from` to its high watermark with Fetch, checking
 * what a consumer relies on: every batch passes its CRC and decodes, and the
 * batches are contiguous (each starts right after the previous one's last
 * offset). A partial batch at the end of a response (the size limit cut it)
 * is fetched again from its start. Throws on the first problem.
 */
export async function readPartitionLog(client: RawKafkaClient, topic: string, partition: number, from = 0n): Promise<PartitionLog> {
  const batches: RecordBatch[] = [];
  let next = from;
  for (;;) {
    const p = await fetchOnce(client, topic, partition, next);
    if (p.errorCode !== 0) throw new Error(`Fetch ${topic}-${partition}@${next}: error ${p.errorCode}`);
    if (next >= p.highWatermark) return { batches, highWatermark: p.highWatermark };
    const buf = (p.records as Buffer | null) ?? Buffer.alloc(0);
    let pos = 0;
    while (pos + LOG_OVERHEAD <= buf.length) {
      const size = LOG_OVERHEAD + buf.readInt32BE(pos + 8);
      if (pos + size > buf.length) break;
      const batch = decodeRecordBatch(buf, pos, { verifyCrc: true });
      if (BigInt(batch.header.baseOffset) !== next) {
        throw new Error(`${topic}-${partition}: batch at offset ${batch.header.baseOffset}, expected ${next}`);
      }
      batches.push(batch);
      next = BigInt(batch.header.lastOffset) + 1n;
      pos += size;
    }
    if (pos === 0) throw new Error(`${topic}-${partition}: no complete batch at ${next} below the high watermark ${p.highWatermark}`);
  }
}
