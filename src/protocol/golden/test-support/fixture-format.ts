/**
 * The shape of a golden fixture file (`fixtures/<client>.json`): the request
 * frames one real client sent to a Weir broker, the broker's answers, and
 * the records the recorder asked the client to produce.
 *
 * Written by `scripts/record-golden.ts`, read by the golden tests. Frames are
 * base64 (a third smaller than hex) and exclude the 4-byte size prefix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');

export interface GoldenExchange {
  /** Order in which the request reached the proxy, across all connections. */
  readonly seq: number;
  /** The proxy's connection number: requests on one connection are in order. */
  readonly connection: number;
  readonly apiKey: number;
  readonly api: string;
  readonly version: number;
  /** The request frame: header + body. */
  readonly request: string;
  /** The broker's response frame, or null (acks=0, or the connection closed first). */
  readonly response: string | null;
  /** For Produce: the compression codecs of the batches, e.g. "gzip". */
  readonly shape?: string;
}

/** A record as the recorder handed it to the client (UTF-8 text, null = null). */
export interface GoldenRecord {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly { readonly key: string; readonly value: string }[];
  /** Milliseconds since the epoch, or null where the client cannot set one (kcat). */
  readonly timestamp: string | null;
}

/** What was produced to one topic (partition 0), in order. */
export interface GoldenTopic {
  readonly topic: string;
  /** Codec name the client was configured with: none, gzip, snappy, lz4, zstd. */
  readonly codec: string;
  readonly records: readonly GoldenRecord[];
}

export interface GoldenFixture {
  readonly client: string;
  readonly clientVersion: string;
  readonly recordedAt: string;
  /** What the recorder could not do with this client (unsupported codec, failing call). */
  readonly notes: readonly string[];
  readonly exchanges: readonly GoldenExchange[];
  readonly produced: readonly GoldenTopic[];
}

export function loadFixtures(): GoldenFixture[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')) as GoldenFixture);
}
