/**
 * gRPC's message framing over HTTP/2 (gRPC's "PROTOCOL-HTTP2" document):
 * each message, either way, is a 5-byte prefix (a compressed flag, always 0
 * here since we never ask for compression, and the length as a big-endian
 * uint32) followed by the message's bytes. And how a call's status arrives:
 * `grpc-status` and `grpc-message` in the trailers, or in the response
 * headers when the server refuses a call at once ("trailers-only").
 */
import type { IncomingHttpHeaders } from 'node:http2';

const PREFIX_BYTES = 5;

/** The gRPC status codes that matter here (the rest are reported by number). */
export const GRPC_STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'OK',
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

/**
 * A call that ended in failure. The message is the server's own text
 * (etcd's "etcdserver: requested lease not found", "mvcc: required revision
 * has been compacted", ...), which callers match; `code` is the gRPC status,
 * or null when the call failed below gRPC (connection lost, timed out here).
 */
export class EtcdGrpcError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
  ) {
    super(message);
    this.name = 'EtcdGrpcError';
  }
}

/** One message with its 5-byte prefix. */
export function frameMessage(message: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, PREFIX_BYTES);
  return framed;
}

/**
 * Cuts the bytes of a response body, arriving in chunks of any size, into
 * whole messages. Chunks of an unfinished message are kept apart and joined
 * once it is complete: joining at every chunk would copy a large message
 * (a page of the metadata log, several MB) over and over.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The length of the message being received, once its prefix is in. */
  private expected = -1;

  /** The messages completed by `chunk`; throws on a compressed message (never asked for). */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const messages: Buffer[] = [];
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < PREFIX_BYTES) break;
        const prefix = this.take(PREFIX_BYTES);
        if (prefix[0] !== 0) throw new EtcdGrpcError('etcd sent a compressed gRPC message, which was never asked for', null);
        this.expected = prefix.readUInt32BE(1);
      }
      if (this.buffered < this.expected) break;
      messages.push(this.take(this.expected));
      this.expected = -1;
    }
    return messages;
  }

  /** The next `bytes` bytes received (there are at least that many). */
  private take(bytes: number): Buffer {
    if (bytes === 0) return Buffer.alloc(0);
    const first = this.chunks[0] as Buffer;
    let out: Buffer;
    if (first.length >= bytes) {
      out = first.subarray(0, bytes);
      if (first.length === bytes) this.chunks.shift();
      else this.chunks[0] = first.subarray(bytes);
    } else {
      out = Buffer.allocUnsafe(bytes);
      let filled = 0;
      while (filled < bytes) {
        const c = this.chunks[0] as Buffer;
        const n = Math.min(c.length, bytes - filled);
        c.copy(out, filled, 0, n);
        filled += n;
        if (n === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(n);
      }
    }
    this.buffered -= bytes;
    return out;
  }
}

/**
 * The call's outcome as its headers or trailers tell it: null while they
 * carry no grpc-status, 'ok' for status 0, or the error.
 */
export function callStatus(headers: IncomingHttpHeaders): 'ok' | EtcdGrpcError | null {
  const raw = headers['grpc-status'];
  if (raw === undefined) return null;
  const code = Number(raw);
  if (code === 0) return 'ok';
  let text = String(headers['grpc-message'] ?? '');
  try {
    text = decodeURIComponent(text);
  } catch {
    // not percent-encoded after all: keep it as sent
  }
  const name = GRPC_STATUS_NAMES[code] ?? `status ${String(raw)}`;
  return new EtcdGrpcError(text || `etcd ended the call with gRPC ${name}`, Number.isInteger(code) ? code : null);
}
