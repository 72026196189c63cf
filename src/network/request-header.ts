/**
 * The request header in front of every request body.
 *
 * Header v0 has no client id, v1 adds it, v2 (every flexible request version)
 * adds a tagged-field section. The api key and version come first in every
 * version, so they can be read before we know which header version applies.
 */
import { RequestHeader, RequestHeaderCodec } from '../protocol/messages';
import { Reader } from '../protocol/primitives/reader';
import { ProtocolError } from '../protocol/primitives/protocol-error';

export interface RequestPreamble {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

/** The first 8 bytes: enough to route a request or to answer it with an error. */
export function readPreamble(frame: Buffer): RequestPreamble {
  if (frame.length < 8) throw new ProtocolError('truncated', `request of ${frame.length} bytes has no header`);
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}

/** Which request header version a request of this API and version carries. */
export function requestHeaderVersion(apiKey: number, apiVersion: number, flexible: boolean): number {
  // ControlledShutdown v0 is the only request that used header v0.
  if (apiKey === 7 && apiVersion === 0) return 0;
  return flexible ? 2 : 1;
}

/** Decodes the header; `r` is left at the first byte of the body. */
export function readRequestHeader(r: Reader, headerVersion: number): RequestHeader {
  return RequestHeaderCodec.read(r, headerVersion);
}
