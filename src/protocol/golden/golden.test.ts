/**
 * Golden bytes: every request frame a real client sent (recorded by
 * `scripts/record-golden.js` into `fixtures/<client>.json`) must decode with
 * our generated codecs and re-encode to exactly the same bytes. A codec that
 * misreads a field, drops a tagged field or picks the wrong header version
 * shows up here as the first differing byte.
 *
 * Responses were written by Weir's own encoder, so their round trip is a
 * weaker check (it catches asymmetric read/write, not a shared misreading);
 * it still proves the frames the clients accepted decode cleanly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, GoldenExchange, loadFixtures } from './test-support/fixture-format';
import { decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame, firstDifference } from './test-support/frames';

const fixtures = loadFixtures();

/**
 * Requests a client really sends that are not what the schema says, and
 * why. Each is still decoded, and the part the schema covers must re-encode
 * exactly; the quirk itself is checked to be exactly the known one.
 */
interface Quirk {
  readonly client: string;
  readonly apiKey: number;
  readonly minVersion: number;
  readonly why: string;
  /** Applies to this decoded request? */
  readonly matches: (body: unknown) => boolean;
  readonly trailing: string;
}

const QUIRKS: readonly Quirk[] = [
  {
    // librdkafka (2.12 and its master as of this recording) reserves an int32
    // for the topic array count and, for an all-topics request on v9+, leaves
    // it as four zero bytes instead of one compact-array byte (see
    // rd_kafka_MetadataRequest0: "v9+: keep 0, varint encoded null"). A reader
    // sees topics = null, allowAutoTopicCreation = false,
    // includeTopicAuthorizedOperations = false, no tags, and then the three
    // bytes librdkafka meant as those fields: 01 (allow auto-create) 00 00.
    client: 'rdkafka',
    apiKey: 3,
    minVersion: 9,
    why: 'librdkafka all-topics Metadata v9+ writes an int32 placeholder as the compact topic count',
    matches: (body) => (body as { topics: unknown }).topics === null,
    trailing: '010000',
  },
];

function quirkFor(client: string, e: GoldenExchange, body: unknown): Quirk | undefined {
  return QUIRKS.find((q) => q.client === client && q.apiKey === e.apiKey && e.version >= q.minVersion && q.matches(body));
}

function label(client: string, e: GoldenExchange): string {
  return `${client} ${e.api} v${e.version} (#${e.seq}${e.shape ? `, ${e.shape}` : ''})`;
}

describe('golden fixtures', () => {
  it('exist for every client, with requests', () => {
    expect(fixtures.map((f) => f.client).sort()).toEqual(['kafkajs', 'kcat', 'platformatic', 'rdkafka']);
    for (const f of fixtures) expect(f.exchanges.length).toBeGreaterThan(5);
  });

  it('stay small', () => {
    const total = fs.readdirSync(FIXTURES).reduce((n, f) => n + fs.statSync(path.join(FIXTURES, f)).size, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });
});

const requests = fixtures.flatMap((f) => f.exchanges.map((e) => [label(f.client, e), f.client, e] as const));
const responses = fixtures.flatMap((f) => f.exchanges.filter((e) => e.response !== null).map((e) => [label(f.client, e), e] as const));

describe('client requests re-encode byte for byte', () => {
  it.each(requests)('%s', (name, client, e) => {
    const frame = Buffer.from(e.request, 'base64');
    let decoded;
    try {
      decoded = decodeRequestFrame(frame, true);
    } catch (err) {
      throw new Error(`${name}: request does not decode: ${err instanceof Error ? err.message : String(err)}\nframe: ${frame.toString('hex')}`);
    }
    expect(decoded.apiKey).toBe(e.apiKey);
    expect(decoded.version).toBe(e.version);
    const trailing = decoded.trailing ?? Buffer.alloc(0);
    if (trailing.length > 0) {
      const quirk = quirkFor(client, e, decoded.body);
      if (!quirk) throw new Error(`${name}: ${trailing.length} bytes left after the body: ${trailing.toString('hex')}\nframe: ${frame.toString('hex')}`);
      expect(trailing.toString('hex')).toBe(quirk.trailing);
    }
    const diff = firstDifference(frame.subarray(0, frame.length - trailing.length), encodeRequestFrame(decoded));
    if (diff !== null) throw new Error(`${name}: request ${diff}`);
  });
});

describe("Weir's responses to the clients re-encode byte for byte", () => {
  it.each(responses)('%s', (name, e) => {
    const frame = Buffer.from(e.response!, 'base64');
    let decoded;
    try {
      decoded = decodeResponseFrame(frame, e.apiKey, e.version);
    } catch (err) {
      throw new Error(`${name}: response does not decode: ${err instanceof Error ? err.message : String(err)}\nframe: ${frame.toString('hex')}`);
    }
    expect(decoded.header.correlationId).toBe(Buffer.from(e.request, 'base64').readInt32BE(4));
    const diff = firstDifference(frame, encodeResponseFrame(decoded));
    if (diff !== null) throw new Error(`${name}: response ${diff}`);
  });
});
