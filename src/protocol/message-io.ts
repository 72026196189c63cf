/**
 * Whole-message encode/decode on top of the generated codecs.
 */
import { MessageCodec } from './primitives/codec-support';
import { ProtocolError } from './primitives/protocol-error';
import { Reader } from './primitives/reader';
import { RecordsChunk, isFileRegion } from './primitives/records-value';
import { Size, Writer } from './primitives/writer';

/** Exact encoded size of a message (inline bytes plus record payloads). */
export function messageSize<T>(codec: MessageCodec<T>, value: T, version: number): Size {
  const s = new Size();
  codec.size(value, version, s);
  return s;
}

/** Encodes into chunks: one buffer, plus record payloads passed through uncopied. */
export function encodeMessage<T>(codec: MessageCodec<T>, value: T, version: number): RecordsChunk[] {
  const w = new Writer(messageSize(codec, value, version));
  codec.write(value, w, version);
  return w.finish();
}

/** Encodes into one contiguous buffer (copies record payloads; not for file regions). */
export function encodeMessageToBuffer<T>(codec: MessageCodec<T>, value: T, version: number): Buffer {
  const chunks = encodeMessage(codec, value, version);
  if (chunks.length === 1 && Buffer.isBuffer(chunks[0])) return chunks[0];
  return concatChunks(chunks);
}

export function concatChunks(chunks: readonly RecordsChunk[]): Buffer {
  return Buffer.concat(
    chunks.map((c) => {
      if (isFileRegion(c)) throw new ProtocolError('unencodable', 'a file region cannot be copied into a buffer');
      return c;
    }),
  );
}

/** Decodes a whole buffer; trailing bytes are an error. */
export function decodeMessage<T>(codec: MessageCodec<T>, buf: Buffer, version: number): T {
  const r = new Reader(buf);
  const value = codec.read(r, version);
  if (r.remaining !== 0) {
    throw new ProtocolError('invalid-length', `${codec.name} v${version}: ${r.remaining} bytes left after decoding`);
  }
  return value;
}
