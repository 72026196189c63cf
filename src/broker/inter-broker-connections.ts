/**
 * Connections from this broker to the other brokers of the cluster, for
 * the requests brokers send each other outside replication and the
 * controller channel: WriteTxnMarkers (the transaction coordinator to the
 * partition leaders) and AddPartitionsToTxn verifyOnly (a partition leader
 * to the transaction coordinator). One connection per destination, to its
 * inter-broker endpoint as registered in the metadata (with the listener's
 * TLS and SASL: inter-broker-client.ts), opened on first use
 * and reopened after it breaks or the broker registers a new address;
 * requests on it are pipelined (the connection matches answers by
 * correlation id). A failed request rejects: the caller decides whether
 * and when to retry.
 */
import type { Logger } from '../logger';
import type { ApiCodecs, BrokerConnection } from '../client/connection';
import type { InterBrokerClient } from './inter-broker-client';

export interface InterBrokerConnectionsOptions {
  nodeId: number;
  /** Where the other brokers are and how to dial them (their inter-broker listener, its security). */
  interBroker: InterBrokerClient;
  requestTimeoutMs: number;
  log: Logger;
}

export class InterBrokerConnections {
  private readonly connections = new Map<number, { address: string; connection: Promise<BrokerConnection> }>();
  private closed = false;

  constructor(private readonly options: InterBrokerConnectionsOptions) {}

  /** `extraTimeoutMs`: for a request the other broker answers only after a wait of its own. */
  async send<Req, Res>(brokerId: number, api: ApiCodecs<Req, Res>, version: number, body: Req, extraTimeoutMs = 0): Promise<Res> {
    if (this.closed) throw new Error('broker shutting down');
    const connection = this.connectionTo(brokerId);
    try {
      return await (await connection).send(api, version, body, extraTimeoutMs);
    } catch (err) {
      this.drop(brokerId, connection);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.connection.then((x) => x.close()).catch(() => undefined)));
  }

  private connectionTo(brokerId: number): Promise<BrokerConnection> {
    const address = this.options.interBroker.addressOf(brokerId);
    if (address === null) return Promise.reject(new Error(`no inter-broker endpoint is registered for broker ${brokerId}`));
    const current = this.connections.get(brokerId);
    if (current && current.address === address) return current.connection;
    if (current) void current.connection.then((c) => c.close()).catch(() => undefined);
    const connection = this.options.interBroker.connect(address, { clientId: `weir-broker-${this.options.nodeId}`, requestTimeoutMs: this.options.requestTimeoutMs });
    connection.catch(() => undefined); // a failed connect is seen by the sender
    this.connections.set(brokerId, { address, connection });
    this.options.log.debug({ brokerId, address }, 'connecting to a broker');
    return connection;
  }

  private drop(brokerId: number, connection: Promise<BrokerConnection>): void {
    if (this.connections.get(brokerId)?.connection !== connection) return;
    this.connections.delete(brokerId);
    void connection.then((c) => c.close()).catch(() => undefined);
  }
}
