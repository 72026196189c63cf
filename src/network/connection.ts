/**
 * One client connection: frames in, responses out in request order.
 *
 * Requests are decoded and handed to their handler as soon as they arrive
 * (pipelining), but each response waits for every earlier one, as Kafka
 * clients require (G14). A request whose handler returns null (acks=0
 * produce) takes its turn and sends nothing.
 *
 * Anything the broker cannot make sense of — an oversized or malformed
 * frame, an unknown API, a version we do not serve, a body that does not
 * decode — closes this connection with one log line, as Kafka does; other
 * connections are untouched.
 *
 * On a SASL listener, frames go to the connection's SaslAuthenticator until
 * the client has authenticated (only ApiVersions is served before that, as in
 * Kafka); a failed login is answered after connection.failed.authentication.delay.ms
 * and the connection closed, so each connection gets at most one try. Once
 * authenticated, a session with an expiry (connections.max.reauth.ms or an
 * OAUTHBEARER token's exp) must re-authenticate with a new SaslHandshake
 * (KIP-368) before it expires, or it is closed at its next request.
 *
 * A handler that throttles the client (a quota, KIP-219) mutes the
 * connection: its response goes out at once, then nothing more is read
 * until the throttle time has passed; frames that had already arrived wait
 * in order, unread.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../logger';
import type { ApiSpec } from '../protocol/apis';
import { type ApiVersionsRequest, ApiVersionsRequestCodec } from '../protocol/messages';
import { isFlexible } from '../protocol/primitives/codec-support';
import { ProtocolError } from '../protocol/primitives/protocol-error';
import { Reader } from '../protocol/primitives/reader';
import { RecordsChunk, releaseRecords, releaseRecordsIn } from '../protocol/primitives/records-value';
import { Size, Writer } from '../protocol/primitives/writer';
import { FrameSplitter } from './frame-splitter';
import { readPreamble, readRequestHeader, requestHeaderVersion } from './request-header';
import { HandlerTable, RequestContext } from './request-context';
import type { ObservedRequest, RequestObserver } from './request-observer';
import { recordsLength } from '../protocol/primitives/records-value';
import { ResponseWriter } from './response-writer';
import { ANONYMOUS, type KafkaPrincipal } from '../security/principal';
import { type ListenerSecurity, PLAINTEXT_LISTENER } from './listener-security';
import { SaslAuthenticator, type SaslReply, type SaslStep } from './sasl-authenticator';

const API_VERSIONS_KEY = 18;
const SASL_HANDSHAKE_KEY = 17;
/** Kafka refuses to start a re-authentication less than a second after the last one. */
const MIN_REAUTH_INTERVAL_MS = 1000;

/** Who is on the other end, as far as the transport (TLS) knows, and the listener's rules. */
export interface ConnectionSecurity {
  readonly listener: ListenerSecurity;
  /** From a TLS client certificate; ANONYMOUS otherwise. SASL replaces it. */
  readonly principal: KafkaPrincipal;
  /** Clock for SASL session expiry (tests inject one). */
  readonly now: () => number;
}

const PLAINTEXT_SECURITY: ConnectionSecurity = { listener: PLAINTEXT_LISTENER, principal: ANONYMOUS, now: Date.now };

export interface ConnectionLimits {
  /** socket.request.max.bytes */
  maxRequestBytes: number;
  /** connections.max.idle.ms */
  maxIdleMs: number;
  /** Requests decoded but not yet answered before we stop reading the socket. */
  maxInFlight: number;
}

interface Slot {
  ready: boolean;
  chunks: RecordsChunk[] | null;
  /** Set only when an observer wants request metrics. */
  observed: { started: bigint; request: ObservedRequest } | null;
}

export class Connection {
  private readonly frames: FrameSplitter;
  private readonly writer: ResponseWriter;
  private readonly slots: Slot[] = [];
  private closed = false;
  private paused = false;
  private readonly remoteAddress: string;
  private readonly localPort: number;
  /** What the client's ApiVersions v3+ said it is (Kafka's ClientInformation); null until then. */
  private clientSoftware: { name: string; version: string } | null = null;
  private readonly log: Logger;
  private closedResolve: (() => void) | null = null;
  private drainResolve: (() => void) | null = null;
  private principal: KafkaPrincipal;
  /** Set while a SASL exchange runs (before authentication, or a re-authentication). */
  private authenticator: SaslAuthenticator | null = null;
  private saslMechanism: string | null = null;
  private sessionExpiresAtMs: number | null = null;
  private lastReauthStartMs = -Infinity;
  /** A failed login waits out its delay; nothing more is read. */
  private authFailTimer: NodeJS.Timeout | null = null;
  /** Set while a quota throttle mutes the connection; frames that arrive meanwhile wait in `heldFrames`. */
  private muteTimer: NodeJS.Timeout | null = null;
  private mutedUntilMs = 0;
  private readonly heldFrames: Buffer[] = [];

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly handlers: HandlerTable,
    private readonly limits: ConnectionLimits,
    log: Logger,
    private readonly onClose: (c: Connection) => void,
    private readonly observer: RequestObserver | null = null,
    private readonly security: ConnectionSecurity = PLAINTEXT_SECURITY,
  ) {
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.localPort = socket.localPort ?? 0;
    this.principal = security.principal;
    const listener = security.listener;
    this.log = listener === PLAINTEXT_LISTENER
      ? log.child({ connection: id, remote: this.remoteAddress })
      : log.child({ connection: id, remote: this.remoteAddress, listener: listener.name });
    if (listener.sasl) this.authenticator = new SaslAuthenticator(listener.sasl, security.now);
    this.frames = new FrameSplitter(this.authenticator ? listener.saslMaxReceiveBytes : limits.maxRequestBytes);
    this.writer = new ResponseWriter(socket, (err) => this.close(`response stream failed: ${err.message}`));
    socket.setNoDelay(true);
    socket.setTimeout(limits.maxIdleMs);
    socket.on('timeout', () => {
      if (this.authFailTimer !== null) return;
      if (this.authenticator !== null) {
        this.close(`${this.authenticator.describe()} not completed within ${limits.maxIdleMs} ms (connections.max.idle.ms)`, 'info');
      } else if (this.slots.length === 0 && !this.writer.busy) {
        this.close(`idle for ${limits.maxIdleMs} ms (connections.max.idle.ms)`, 'debug');
      }
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (err) => this.close(`socket error: ${err.message}`, 'debug'));
    socket.on('close', () => this.close(null));
    this.observer?.connectionOpened?.();
  }

  /** Requests received and not yet answered. */
  get inFlight(): number {
    return this.slots.length;
  }

  /** Resolves once every request received so far has been answered and written. */
  drain(): Promise<void> {
    if (this.closed || (this.slots.length === 0 && !this.writer.busy)) return Promise.resolve();
    return new Promise((resolve) => (this.drainResolve = resolve));
  }

  /** Stops reading new requests (shutdown); in-flight ones still complete. */
  stopReading(): void {
    this.socket.pause();
    this.paused = true;
  }

  closed$(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => (this.closedResolve = resolve));
  }

  /** Closes the connection; a reason is logged once, at `level`. */
  close(reason: string | null, level: 'warn' | 'info' | 'debug' = 'warn'): void {
    if (this.closed) return;
    this.closed = true;
    if (reason !== null) this.log[level]({ reason }, 'closing connection');
    if (this.authFailTimer !== null) clearTimeout(this.authFailTimer);
    if (this.muteTimer !== null) clearTimeout(this.muteTimer);
    this.heldFrames.length = 0;
    this.writer.close();
    // Responses answered but waiting behind an earlier one hold file regions.
    for (const slot of this.slots) if (slot.chunks) releaseRecords(slot.chunks);
    this.slots.length = 0;
    this.socket.destroy();
    this.onClose(this);
    this.observer?.connectionClosed?.();
    this.closedResolve?.();
    this.drainResolve?.();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.authFailTimer !== null) return;
    for (const f of this.frames.push(chunk)) {
      if (f.kind === 'too-large') {
        this.close(
          f.size < 0
            ? `invalid request size ${f.size}`
            : this.authenticator
              ? `Failing SASL authentication due to invalid receive size: ${f.size} exceeds sasl.server.max.receive.size (${this.security.listener.saslMaxReceiveBytes})`
              : `request size ${f.size} exceeds socket.request.max.bytes (${this.limits.maxRequestBytes})`,
        );
        return;
      }
      if (this.muteTimer !== null) {
        this.heldFrames.push(f.frame);
        continue;
      }
      this.onFrame(f.frame);
      if (this.closed || this.authFailTimer !== null) return;
    }
    if (this.slots.length >= this.limits.maxInFlight && !this.paused) {
      this.socket.pause();
      this.paused = true;
    }
  }

  /** KIP-219: stop reading for `ms` (see the header); a longer throttle extends the mute. */
  private throttle(ms: number): void {
    if (this.closed || !(ms > 0)) return;
    const until = this.security.now() + ms;
    if (this.muteTimer !== null && until <= this.mutedUntilMs) return;
    if (this.muteTimer !== null) clearTimeout(this.muteTimer);
    this.mutedUntilMs = until;
    this.socket.pause();
    this.paused = true;
    this.muteTimer = setTimeout(() => this.unmute(), ms);
  }

  private unmute(): void {
    this.muteTimer = null;
    while (this.heldFrames.length > 0 && this.muteTimer === null && !this.closed && this.authFailTimer === null) {
      this.onFrame(this.heldFrames.shift()!);
    }
    this.maybeResume();
  }

  private onFrame(frame: Buffer): void {
    const sasl = this.security.listener.sasl;
    if (this.authenticator !== null) {
      if (this.onSaslFrame(this.authenticator, frame)) return;
    } else if (sasl !== null && this.saslMechanism !== null) {
      const now = this.security.now();
      const apiKey = frame.length >= 2 ? frame.readInt16BE(0) : -1;
      if (apiKey === SASL_HANDSHAKE_KEY && this.sessionExpiresAtMs !== null && now - this.lastReauthStartMs >= MIN_REAUTH_INTERVAL_MS) {
        // KIP-368: a new handshake on an authenticated connection whose session expires.
        this.lastReauthStartMs = now;
        this.authenticator = new SaslAuthenticator(sasl, this.security.now, { mechanism: this.saslMechanism, principal: this.principal });
        this.frames.setMaxFrameBytes(this.security.listener.saslMaxReceiveBytes);
        this.onSaslFrame(this.authenticator, frame);
        return;
      }
      if (this.sessionExpiresAtMs !== null && now > this.sessionExpiresAtMs) {
        this.close(`SASL session of ${this.principal.type}:${this.principal.name} expired without re-authentication (connections.max.reauth.ms)`, 'info');
        return;
      }
    }
    this.onRequestFrame(frame);
  }

  /** One frame of a SASL exchange; false when it is a request to serve as usual (ApiVersions). */
  private onSaslFrame(authenticator: SaslAuthenticator, frame: Buffer): boolean {
    const step: SaslStep = authenticator.onFrame(frame);
    switch (step.kind) {
      case 'api-versions':
        return false;
      case 'continue':
        if (step.reply) this.sendReply(step.reply);
        return true;
      case 'authenticated':
        if (step.reply) this.sendReply(step.reply);
        this.authenticator = null;
        this.principal = step.principal;
        this.saslMechanism = step.mechanism;
        this.sessionExpiresAtMs = step.sessionExpiresAtMs;
        this.frames.setMaxFrameBytes(this.limits.maxRequestBytes);
        this.log.debug({ principal: `${step.principal.type}:${step.principal.name}`, mechanism: step.mechanism }, 'authenticated');
        return true;
      case 'failed':
        this.failAuthentication(step.reason, step.reply);
        return true;
      case 'close':
        this.close(step.reason);
        return true;
    }
  }

  /** Queues a SASL reply in order behind every earlier response. */
  private sendReply(reply: SaslReply): void {
    const slot: Slot = { ready: true, chunks: saslReplyChunks(reply), observed: null };
    this.slots.push(slot);
    this.flush();
  }

  /**
   * Kafka's answer to a failed login: one log line now, then, after
   * connection.failed.authentication.delay.ms (nothing more is read
   * meanwhile), the failure response if there is one, then the close.
   */
  private failAuthentication(reason: string, reply: SaslReply | null): void {
    this.log.info({ reason }, 'authentication failed');
    this.socket.pause();
    this.paused = true;
    this.authFailTimer = setTimeout(() => {
      void this.drain().then(() => {
        if (this.closed) return;
        if (reply === null || this.writer.busy) {
          this.close(null);
          return;
        }
        this.socket.end(Buffer.concat(saslReplyChunks(reply) as Buffer[]), () => this.close(null));
      });
    }, this.security.listener.failedAuthenticationDelayMs);
  }

  private onRequestFrame(frame: Buffer): void {
    const started = this.observer?.requestCompleted ? process.hrtime.bigint() : 0n;
    let preamble;
    try {
      preamble = readPreamble(frame);
    } catch (err) {
      this.close((err as Error).message);
      return;
    }
    const { apiKey, apiVersion, correlationId } = preamble;
    const handler = this.handlers.get(apiKey);
    if (!handler) {
      this.close(`unknown or unserved api key ${apiKey} (version ${apiVersion}, correlation ${correlationId})`);
      return;
    }
    const spec = handler.spec;
    // An ApiVersions request newer than we serve is answered in v0 with
    // UNSUPPORTED_VERSION and our ranges, so the client can downgrade (G3).
    const unsupportedApiVersions = apiKey === API_VERSIONS_KEY && apiVersion > spec.maxVersion;
    if (!unsupportedApiVersions && (apiVersion < spec.minVersion || apiVersion > spec.maxVersion)) {
      this.close(`unsupported ${spec.name} version ${apiVersion} (served ${spec.minVersion}-${spec.maxVersion})`);
      return;
    }

    let request: unknown;
    let clientId: string | null = null;
    try {
      const r = new Reader(frame);
      const flexible = !unsupportedApiVersions && isFlexible(spec.request, apiVersion);
      const header = readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion, flexible));
      clientId = header.clientId;
      if (unsupportedApiVersions) {
        request = ApiVersionsRequestCodec.defaults();
      } else {
        // Bytes left after the body are ignored, as Kafka's own request
        // parsing does: librdkafka 2.12 (node-rdkafka) sends its all-topics
        // Metadata v12 with 3 extra zero bytes after the body, and real
        // brokers accept it (integration/roundtrip-rdkafka.test.ts).
        request = spec.request.read(r, apiVersion);
        if (apiKey === API_VERSIONS_KEY && apiVersion >= 3) {
          const { clientSoftwareName, clientSoftwareVersion } = request as ApiVersionsRequest;
          this.clientSoftware = { name: clientSoftwareName, version: clientSoftwareVersion };
        }
      }
    } catch (err) {
      const detail = err instanceof ProtocolError ? err.message : String(err);
      this.close(`malformed ${spec.name} v${apiVersion} request (correlation ${correlationId}): ${detail}`);
      return;
    }

    const ctx: RequestContext = {
      apiKey,
      apiVersion,
      correlationId,
      clientId,
      connectionId: this.id,
      remoteAddress: this.remoteAddress,
      localPort: this.localPort,
      clientSoftwareName: this.clientSoftware?.name ?? null,
      clientSoftwareVersion: this.clientSoftware?.version ?? null,
      listenerName: this.security.listener.name,
      securityProtocol: this.security.listener.securityProtocol,
      principal: this.principal,
      requestBytes: frame.length,
      throttle: (ms) => this.throttle(ms),
    };
    const slot: Slot = {
      ready: false,
      chunks: null,
      observed: this.observer?.requestCompleted
        ? { started, request: { apiKey, apiName: spec.name, apiVersion, request, response: null, requestBytes: frame.length + 4, responseBytes: 0, seconds: 0 } }
        : null,
    };
    this.slots.push(slot);
    const responseVersion = unsupportedApiVersions ? 0 : apiVersion;

    let result: unknown;
    try {
      result = handler.handle(request, ctx);
    } catch (err) {
      this.handlerFailed(spec.name, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (res) => this.complete(slot, spec, res, responseVersion, correlationId),
        (err) => this.handlerFailed(spec.name, err),
      );
    } else {
      this.complete(slot, spec, result, responseVersion, correlationId);
    }
  }

  private handlerFailed(api: string, err: unknown): void {
    this.log.error({ err }, `${api} handler failed`);
    this.close(`${api} handler failed`, 'debug');
  }

  private complete(
    slot: Slot,
    spec: ApiSpec<unknown, unknown>,
    response: unknown,
    version: number,
    correlationId: number,
  ): void {
    if (this.closed) {
      // Nobody to send it to: let go of the files it would have streamed.
      releaseRecordsIn(response);
      return;
    }
    if (response !== null && response !== undefined) {
      try {
        slot.chunks = encodeResponse(spec, response, version, correlationId);
      } catch (err) {
        releaseRecordsIn(response);
        this.handlerFailed(`${spec.name} response encoding`, err);
        return;
      }
    }
    slot.ready = true;
    if (slot.observed) {
      const o = slot.observed.request;
      o.response = response ?? null;
      o.responseBytes = slot.chunks ? recordsLength(slot.chunks) : 0;
      o.seconds = Number(process.hrtime.bigint() - slot.observed.started) / 1e9;
      slot.observed = null;
      this.observer?.requestCompleted?.(o);
    }
    this.flush();
  }

  private flush(): void {
    while (this.slots.length > 0 && this.slots[0]!.ready) {
      const slot = this.slots.shift()!;
      if (slot.chunks) this.writer.write(slot.chunks);
    }
    this.maybeResume();
    if (this.slots.length === 0 && this.drainResolve) {
      const resolve = this.drainResolve;
      this.drainResolve = null;
      resolve();
    }
  }

  private maybeResume(): void {
    if (this.paused && !this.closed && this.muteTimer === null && this.slots.length < this.limits.maxInFlight && this.socket.writableLength < 8 * 1024 * 1024) {
      this.paused = false;
      this.socket.resume();
    }
  }
}

function saslReplyChunks(reply: SaslReply): RecordsChunk[] {
  if (reply.kind === 'kafka') return encodeResponse(reply.spec, reply.body, reply.version, reply.correlationId);
  const size = Buffer.alloc(4);
  size.writeInt32BE(reply.token.length);
  return [size, reply.token];
}

/**
 * Frames a response: size, correlation id, header tags (response header v1,
 * used by flexible versions except ApiVersions, which always uses v0: G3),
 * then the body.
 */
export function encodeResponse(
  spec: ApiSpec<unknown, unknown>,
  response: unknown,
  version: number,
  correlationId: number,
): RecordsChunk[] {
  const codec = spec.response;
  const s = new Size();
  codec.size(response, version, s);
  const headerV1 = spec.apiKey !== API_VERSIONS_KEY && codec.firstFlexibleVersion >= 0 && version >= codec.firstFlexibleVersion;
  const headerBytes = 4 + 4 + (headerV1 ? 1 : 0);
  s.inline += headerBytes;
  const w = new Writer(s);
  w.int32(s.total - 4);
  w.int32(correlationId);
  if (headerV1) w.uvarint(0);
  codec.write(response, w, version);
  return w.finish();
}
