/**
 * Every message schema x every version: random valid values survive
 * encode -> decode unchanged, the computed size is the encoded length, and
 * re-encoding the decoded value gives the same bytes.
 */
import fc from 'fast-check';
import { concatChunks, decodeMessage, encodeMessage, encodeMessageToBuffer, messageSize } from './message-io';
import { codecFor } from './test-support/message-codecs';
import { messageArbitrary } from './test-support/schema-arbitrary';
import { loadSchemas, versionsOf } from './test-support/schema-types';

// ~670 (message, version) pairs: a handful of runs each keeps the file well
// under 20 s on a shared 2-core machine (about 6 s measured) while still
// hitting every field of every version. PROTOCOL_PROPERTY_RUNS=200 soaks deeper.
const RUNS = Number(process.env.PROTOCOL_PROPERTY_RUNS ?? 25);

describe.each(loadSchemas().map((m) => [m.name, m] as const))('%s', (_name, m) => {
  const codec = codecFor(m);

  it('declares the schema version range', () => {
    expect([codec.minVersion, codec.maxVersion]).toEqual([m.validVersions.min, m.validVersions.max]);
  });

  it.each(versionsOf(m))('v%d round-trips', (v) => {
    fc.assert(
      fc.property(messageArbitrary(m, v), (value) => {
        const bytes = concatChunks(encodeMessage(codec, value, v));
        expect(messageSize(codec, value, v).total).toBe(bytes.length);
        const decoded = decodeMessage(codec, bytes, v);
        // toEqual treats `_unknownTaggedFields: undefined` as absent, as we want.
        expect(decoded).toEqual(value);
        expect(encodeMessageToBuffer(codec, decoded, v).equals(bytes)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(versionsOf(m))('v%d decodes its all-default encoding to the defaults', (v) => {
    const bytes = encodeMessageToBuffer(codec, codec.defaults(), v);
    expect(decodeMessage(codec, bytes, v)).toEqual(codec.defaults());
  });
});
