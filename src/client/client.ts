/**
 * KafkaClient: the cluster-aware core the operations in this folder share.
 * It bootstraps from one address, learns the brokers from Metadata, keeps one
 * connection per broker (each with its own negotiated versions), and sends a
 * request to a chosen broker at the best version both sides know.
 *
 * The operations themselves (produce, fetch, topics, configs, groups, ...)
 * are functions in their own files taking a KafkaClient.
 */
import { ErrorCode } from '../protocol/errors';
import { NegotiatedVersions, negotiateVersions } from './api-versions';
import { ClientApi, ClientApis } from './client-apis';
import { BrokerConnection, ConnectOptions } from './connection';
import { BrokerConnectionError, KafkaResponseError } from './errors';
import { ClusterMetadata, toClusterMetadata } from './metadata';
import { saslLogin } from './sasl-login';

interface NodeConnection {
  conn: BrokerConnection;
  versions: NegotiatedVersions;
}

export interface KafkaClientOptions extends ConnectOptions {}

/** Which broker a request goes to: a node id, 'any' (the bootstrap one) or the controller. */
export type Target = number | 'any' | 'controller';

export class KafkaClient {
  private readonly nodes = new Map<number, Promise<NodeConnection>>();
  private lastMetadata: ClusterMetadata | null = null;

  private constructor(
    private readonly bootstrap: NodeConnection,
    readonly bootstrapAddress: string,
    private readonly options: KafkaClientOptions,
  ) {}

  /** Connects to the first reachable address of a comma-separated list. */
  static async connect(bootstrapServers: string, options: KafkaClientOptions = {}): Promise<KafkaClient> {
    const addresses = bootstrapServers.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (addresses.length === 0) throw new Error('no bootstrap server given');
    let lastError: Error | null = null;
    for (const address of addresses) {
      try {
        const node = await openNode(address, options);
        return new KafkaClient(node, address, options);
      } catch (err) {
        lastError = err as Error;
      }
    }
    throw lastError ?? new Error('no bootstrap server reachable');
  }

  /** Versions negotiated with the bootstrap broker (Weir and Kafka clusters serve the same everywhere). */
  get versions(): NegotiatedVersions {
    return this.bootstrap.versions;
  }

  /** Metadata for these topics, or every topic when `topics` is null. */
  async metadata(topics: readonly string[] | null = null, allowAutoTopicCreation = false): Promise<ClusterMetadata> {
    const api = ClientApis.Metadata;
    const res = await this.send('any', api, (v) => ({
      ...api.request.defaults(),
      topics: topics === null ? null : topics.map((name) => ({ topicId: '00000000-0000-0000-0000-000000000000', name })),
      // The field exists from v4; before it the broker decides.
      allowAutoTopicCreation: v >= 4 ? allowAutoTopicCreation : true,
    }));
    this.lastMetadata = toClusterMetadata(res);
    return this.lastMetadata;
  }

  /** Sends to `target`, building the body for the version chosen for that broker. */
  async send<Req, Res>(target: Target, api: ClientApi<Req, Res>, build: (version: number) => Req, extraTimeoutMs = 0): Promise<Res> {
    const node = await this.nodeFor(target);
    const version = node.versions.require(api as ClientApi<unknown, unknown>);
    return node.conn.send(api, version, build(version), extraTimeoutMs);
  }

  /** Sends a request that the broker does not answer (Produce with acks=0). */
  async sendWithoutResponse<Req>(target: Target, api: ClientApi<Req, unknown>, build: (version: number) => Req): Promise<void> {
    const node = await this.nodeFor(target);
    const version = node.versions.require(api as ClientApi<unknown, unknown>);
    await node.conn.sendWithoutResponse(api, version, build(version));
  }

  /** The version that `send` would use with `target`, or null when the broker lacks the API. */
  async versionFor(target: Target, api: ClientApi<unknown, unknown>): Promise<number | null> {
    return (await this.nodeFor(target)).versions.pick(api);
  }

  async close(): Promise<void> {
    const nodes = await Promise.allSettled([...this.nodes.values()]);
    await Promise.all([
      this.bootstrap.conn.close(),
      ...nodes.map((n) => (n.status === 'fulfilled' ? n.value.conn.close() : Promise.resolve())),
    ]);
  }

  private async nodeFor(target: Target): Promise<NodeConnection> {
    if (target === 'any') return this.bootstrap;
    let nodeId: number;
    if (target === 'controller') {
      const md = this.lastMetadata ?? (await this.metadata([]));
      // KRaft brokers report a random broker as "controller" and forward
      // admin requests; older ones need the real controller. Both accept it.
      if (md.controllerId < 0) return this.bootstrap;
      nodeId = md.controllerId;
    } else {
      nodeId = target;
    }
    let node = this.nodes.get(nodeId);
    if (!node) {
      node = this.openBroker(nodeId);
      this.nodes.set(nodeId, node);
      node.catch(() => this.nodes.delete(nodeId));
    }
    const n = await node;
    if (n.conn.closed) {
      this.nodes.delete(nodeId);
      return this.nodeFor(nodeId);
    }
    return n;
  }

  private async openBroker(nodeId: number): Promise<NodeConnection> {
    let broker = this.lastMetadata?.brokers.get(nodeId);
    if (!broker) broker = (await this.metadata([])).brokers.get(nodeId);
    if (!broker) throw new KafkaResponseError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${nodeId} is not in the cluster metadata`);
    const address = broker.host.includes(':') ? `[${broker.host}]:${broker.port}` : `${broker.host}:${broker.port}`;
    try {
      return await openNode(address, this.options);
    } catch (err) {
      if (err instanceof BrokerConnectionError) {
        throw new BrokerConnectionError(address, `${err.message} (broker ${nodeId}, as advertised by ${this.bootstrapAddress}: check advertised.listeners)`, err.code);
      }
      throw err;
    }
  }
}

async function openNode(address: string, options: ConnectOptions): Promise<NodeConnection> {
  const conn = await BrokerConnection.connect(address, options);
  try {
    if (options.security?.sasl) await saslLogin(conn, options.security.sasl);
    return { conn, versions: await negotiateVersions(conn) };
  } catch (err) {
    await conn.close();
    throw err;
  }
}
