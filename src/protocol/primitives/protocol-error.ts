/**
 * The one error type the protocol layer throws for bytes it cannot accept.
 *
 * Everything above `protocol/` can catch this and turn it into a Kafka error
 * code or a closed connection; nothing below it ever throws a RangeError from
 * Buffer or a JSON error for hostile input.
 */
export type ProtocolErrorKind =
  | 'truncated' // fewer bytes than a length or fixed-size field says
  | 'invalid-length' // negative (where not null) or larger than the bytes left
  | 'invalid-varint' // more than 5 (varint) / 10 (varlong) bytes
  | 'invalid-value' // a value out of its domain (bad magic, bad attributes, ...)
  | 'unsupported-version' // a version the codec does not define
  | 'unencodable'; // a value that cannot be written in the requested version

export class ProtocolError extends Error {
  readonly kind: ProtocolErrorKind;

  constructor(kind: ProtocolErrorKind, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.kind = kind;
  }
}
