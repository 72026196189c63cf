/**
 * One etcd watch: a Watch call of its own (etcd's bidirectional
 * /etcdserverpb.Watch/Watch) carrying a single watch, on the client's
 * connection. One call per watch keeps it simple: no watch ids to
 * multiplex, and cancelling a watch is closing its call.
 *
 * What it reports, in the order etcd says it:
 * - 'connected': etcd created the watch.
 * - 'data' (IWatchResponse): events, one or more whole revisions each.
 * - 'error' (Error): etcd cancelled the watch, because the revision it was
 *   to start from was compacted away (the message says "required revision
 *   has been compacted", which isCompactedError recognises) or for another
 *   reason it gives. Resuming the same watch cannot work: the owner reloads.
 * - 'disconnected' (Error): the call or its connection failed, or etcd
 *   ended it. The owner may open a new watch from where it got to.
 * After 'error' or 'disconnected' the watch is over and says nothing more,
 * as after `cancel()`. Nothing is reported once the client is closed.
 */
import { EventEmitter } from 'node:events';
import type { EtcdGrpcConnection, GrpcStream } from './etcd-grpc-connection';
import { type IWatchCreateRequest, type IWatchResponse, WatchRequest, WatchResponse } from './etcd-messages';

const PATH = '/etcdserverpb.Watch/Watch';

export type WatchOptions = IWatchCreateRequest;

export interface EtcdWatch {
  on(event: 'connected', listener: () => void): this;
  on(event: 'data', listener: (res: IWatchResponse) => void): this;
  on(event: 'error' | 'disconnected', listener: (err: Error) => void): this;
}

export class EtcdWatch extends EventEmitter {
  private readonly call: GrpcStream<{ create_request: IWatchCreateRequest }, IWatchResponse>;
  private over = false;

  constructor(
    private readonly connection: EtcdGrpcConnection,
    options: WatchOptions,
  ) {
    super();
    this.call = connection.stream(PATH, WatchRequest, WatchResponse);
    this.call.on('data', (res: IWatchResponse) => this.onResponse(res));
    this.call.on('error', (err: Error) => this.end('disconnected', err));
    this.call.on('end', () => this.end('disconnected', new Error('etcd ended the watch call')));
    this.call.write({ create_request: options });
  }

  /** Stops the watch; nothing more is reported. */
  cancel(): Promise<void> {
    this.over = true;
    this.call.cancel();
    return Promise.resolve();
  }

  private onResponse(res: IWatchResponse): void {
    if (this.over) return;
    if (res.canceled) {
      const compacted = res.compact_revision !== '0';
      const reason = compacted
        ? `mvcc: required revision has been compacted (etcd keeps revisions from ${res.compact_revision})`
        : res.cancel_reason || 'no reason given';
      this.end('error', new Error(`etcd cancelled the watch: ${reason}`));
      return;
    }
    if (res.created) this.emit('connected');
    if (res.events.length > 0) this.emit('data', res);
  }

  private end(event: 'error' | 'disconnected', err: Error): void {
    if (this.over) return;
    this.over = true;
    this.call.cancel();
    // A closed client's watches end quietly; an 'error' nobody listens to must not throw.
    if (this.connection.isClosed || this.listenerCount(event) === 0) return;
    this.emit(event, err);
  }
}
