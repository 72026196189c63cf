/**
 * Whole-frame decode/encode for the golden tests and the recorder: a request
 * or response frame (without its size prefix) is a header followed by the
 * body, and which header version applies depends on the API and version.
 */
import { readPreamble, requestHeaderVersion } from '../../../network/request-header';
import { encodeMessageToBuffer } from '../../message-io';
import { API_MESSAGES, ProduceRequest, RequestHeader, RequestHeaderCodec, ResponseHeader, ResponseHeaderCodec } from '../../messages';
import { MessageCodec, isFlexible } from '../../primitives/codec-support';
import { Reader } from '../../primitives/reader';
import { RecordsValue, isFileRegion } from '../../primitives/records-value';
import { COMPRESSION_MASK, CODEC_NAMES, LegacyRecord, Record, decodeMessageSet, decodeRecordBatches, iterateBatches, toCodec } from '../../records';

export interface ApiCodecs {
  readonly name: string;
  readonly request: MessageCodec<unknown>;
  readonly response: MessageCodec<unknown>;
}

export function apiCodecs(apiKey: number): ApiCodecs {
  const entry = API_MESSAGES.find((m) => m.apiKey === apiKey);
  if (!entry) throw new Error(`no codec for api key ${apiKey}`);
  return entry;
}

export interface DecodedFrame<H> {
  readonly apiKey: number;
  readonly version: number;
  readonly headerVersion: number;
  readonly header: H;
  readonly body: unknown;
  /** Bytes after the body (only with `allowTrailing`). */
  readonly trailing?: Buffer;
}

/** Decodes a request frame; throws if bytes are left over unless `allowTrailing`. */
export function decodeRequestFrame(frame: Buffer, allowTrailing = false): DecodedFrame<RequestHeader> {
  const { apiKey, apiVersion } = readPreamble(frame);
  const codec = apiCodecs(apiKey).request;
  const headerVersion = requestHeaderVersion(apiKey, apiVersion, isFlexible(codec, apiVersion));
  const r = new Reader(frame);
  const header = RequestHeaderCodec.read(r, headerVersion);
  const body = codec.read(r, apiVersion);
  if (r.remaining !== 0 && !allowTrailing) throw new Error(`${r.remaining} bytes left after the ${codec.name} v${apiVersion} body`);
  return { apiKey, version: apiVersion, headerVersion, header, body, trailing: frame.subarray(r.offset) };
}

export function encodeRequestFrame(d: DecodedFrame<RequestHeader>): Buffer {
  const codec = apiCodecs(d.apiKey).request;
  return Buffer.concat([encodeMessageToBuffer(RequestHeaderCodec, d.header, d.headerVersion), encodeMessageToBuffer(codec, d.body, d.version)]);
}

/** ApiVersions answers with response header v0 whatever its version (KIP-511), so clients can parse it before they know. */
export function responseHeaderVersion(apiKey: number, version: number): number {
  if (apiKey === 18) return 0;
  return isFlexible(apiCodecs(apiKey).response, version) ? 1 : 0;
}

/** Decodes a response frame for the request with this api key and version. */
export function decodeResponseFrame(frame: Buffer, apiKey: number, version: number): DecodedFrame<ResponseHeader> {
  const codec = apiCodecs(apiKey).response;
  const headerVersion = responseHeaderVersion(apiKey, version);
  const r = new Reader(frame);
  const header = ResponseHeaderCodec.read(r, headerVersion);
  const body = codec.read(r, version);
  if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left after the ${codec.name} v${version} body`);
  return { apiKey, version, headerVersion, header, body };
}

export function encodeResponseFrame(d: DecodedFrame<ResponseHeader>): Buffer {
  const codec = apiCodecs(d.apiKey).response;
  return Buffer.concat([encodeMessageToBuffer(ResponseHeaderCodec, d.header, d.headerVersion), encodeMessageToBuffer(codec, d.body, d.version)]);
}

/** Describes the first difference between two buffers, or returns null if they are equal. */
export function firstDifference(expected: Buffer, actual: Buffer): string | null {
  if (expected.equals(actual)) return null;
  const n = Math.min(expected.length, actual.length);
  let i = 0;
  while (i < n && expected[i] === actual[i]) i++;
  const around = (b: Buffer): string => b.subarray(Math.max(0, i - 8), i + 8).toString('hex');
  const at = (b: Buffer): string => (i < b.length ? `0x${b[i]!.toString(16).padStart(2, '0')}` : 'end');
  return (
    `first differing byte at offset ${i}: recorded ${at(expected)}, re-encoded ${at(actual)} ` +
    `(lengths ${expected.length} vs ${actual.length}; bytes ${Math.max(0, i - 8)}.. recorded ${around(expected)}, re-encoded ${around(actual)})`
  );
}

function recordsBuffer(v: RecordsValue | null): Buffer | null {
  if (v === null) return null;
  if (Buffer.isBuffer(v)) return v;
  if (isFileRegion(v)) throw new Error('a decoded request never holds a file region');
  return Buffer.concat(v.map((c) => recordsBuffer(c) ?? Buffer.alloc(0)));
}

/** One partition's records from a Produce request, decoded with the format the version implies. */
export interface ProducedPartition {
  readonly topic: string;
  readonly partition: number;
  /** 0 or 1 for a legacy message set (Produce v0-2), 2 for record batches. */
  readonly magic: number;
  /** Compression of each batch (or wrapper message), in order. */
  readonly codecs: readonly string[];
  readonly batches: ReturnType<typeof decodeRecordBatches>;
  /** The records, whichever format carried them. */
  readonly records: readonly (Record | LegacyRecord)[];
}

export function producedPartitions(body: ProduceRequest, version: number): ProducedPartition[] {
  const out: ProducedPartition[] = [];
  for (const t of body.topicData) {
    for (const p of t.partitionData) {
      const buf = recordsBuffer(p.records);
      if (buf === null || buf.length === 0) continue;
      if (version <= 2) {
        const set = decodeMessageSet(buf, { mode: 'produce' });
        const magic = set.entries[0]?.magic ?? 0;
        const codecs = set.entries.map((e) => CODEC_NAMES[e.codec]);
        out.push({ topic: t.name, partition: p.index, magic, codecs, batches: [], records: set.records });
      } else {
        const codecs = [...iterateBatches(buf)].map((b) => CODEC_NAMES[toCodec(b.header.attributes & COMPRESSION_MASK)]);
        const batches = decodeRecordBatches(buf);
        out.push({ topic: t.name, partition: p.index, magic: 2, codecs, batches, records: batches.flatMap((b) => b.records) });
      }
    }
  }
  return out;
}

/** The codecs used by a Produce request frame, e.g. "lz4" or "gzip+none"; "" when it carries no records. */
export function produceShape(frame: Buffer): string {
  const d = decodeRequestFrame(frame, true);
  const names = new Set(producedPartitions(d.body as ProduceRequest, d.version).flatMap((p) => p.codecs.map((c) => (p.magic < 2 ? `${c}/magic${p.magic}` : c))));
  return [...names].sort().join('+');
}
