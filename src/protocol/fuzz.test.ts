/**
 * Hostile bytes into every request decoder (a broker decodes whatever a
 * socket sends): every failure is a ProtocolError, never a RangeError or
 * TypeError, and nothing decoded is larger than the frame it came from.
 */
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeMessage, encodeMessageToBuffer } from './message-io';
import type { MessageCodec } from './primitives/codec-support';
import { ProtocolError } from './primitives/protocol-error';
import { MUTATIONS, seededRandom } from './test-support/frame-mutations';
import { codecFor } from './test-support/message-codecs';
import { messageArbitrary } from './test-support/schema-arbitrary';
import { loadSchemas, versionsOf, type MessageSchema } from './test-support/schema-types';

const SAMPLES_PER_VERSION = 3;
const MUTANTS_PER_SAMPLE = 24;

interface Frame {
  readonly name: string;
  readonly codec: MessageCodec<unknown>;
  readonly version: number;
  readonly bytes: Buffer;
}

function validFrames(m: MessageSchema): Frame[] {
  const codec = codecFor(m);
  return versionsOf(m).flatMap((version) =>
    fc
      .sample(messageArbitrary(m, version, { maxArray: 2 }), { numRuns: SAMPLES_PER_VERSION, seed: 42 + version })
      .map((value) => ({ name: `${m.name} v${version}`, codec, version, bytes: encodeMessageToBuffer(codec, value, version) })),
  );
}

const targets = loadSchemas().filter((m) => m.type === 'request' || m.name === 'RequestHeader');
const frames = targets.flatMap(validFrames);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Largest array, string or buffer inside a decoded value. N bytes of UTF-8
 * never decode to more than N UTF-16 units; uuids (36 characters from 16
 * bytes) are the one string that may, so they do not count.
 */
function largestPart(x: unknown): number {
  if (typeof x === 'string') return UUID.test(x) ? 0 : x.length;
  if (Buffer.isBuffer(x)) return x.length;
  if (Array.isArray(x)) return x.reduce((n: number, e: unknown) => Math.max(n, largestPart(e)), x.length);
  if (typeof x === 'object' && x !== null) {
    let n = 0;
    for (const e of Object.values(x)) n = Math.max(n, largestPart(e));
    return n;
  }
  return 0;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: ProtocolError };

/** Decodes, turning anything but a ProtocolError into a test failure naming the frame. */
function tryDecode(frame: Frame, bytes: Buffer, what: string): Outcome {
  try {
    return { ok: true, value: decodeMessage(frame.codec, bytes, frame.version) };
  } catch (e) {
    if (e instanceof ProtocolError) return { ok: false, error: e };
    throw new Error(`${frame.name}, ${what} (${bytes.toString('hex')}): ${String(e)}`);
  }
}

it('has frames for every request version', () => {
  expect(frames.length).toBe(targets.reduce((n, m) => n + versionsOf(m).length, 0) * SAMPLES_PER_VERSION);
});

it('rejects every proper prefix of a valid frame with a ProtocolError', () => {
  for (const frame of frames) {
    for (let n = 0; n < frame.bytes.length; n++) {
      const outcome = tryDecode(frame, frame.bytes.subarray(0, n), `prefix of ${n}`);
      // A decoder is deterministic: a prefix that decoded cleanly would mean
      // the full frame stops early too.
      if (outcome.ok) throw new Error(`${frame.name}: a ${n}-byte prefix of ${frame.bytes.length} decoded`);
    }
  }
});

describe.each(Object.entries(MUTATIONS))('mutation %s', (name, mutate) => {
  it('fails only with ProtocolError and never decodes more than the frame holds', () => {
    const random = seededRandom(name.length * 7919);
    for (const frame of frames) {
      for (let i = 0; i < MUTANTS_PER_SAMPLE; i++) {
        const bytes = mutate(frame.bytes, random);
        const outcome = tryDecode(frame, bytes, name);
        if (outcome.ok && largestPart(outcome.value) > bytes.length) {
          throw new Error(`${frame.name}: ${name} decoded a part larger than its ${bytes.length}-byte frame`);
        }
      }
    }
  });
});

describe('hostile lengths', () => {
  // Frames that are all length prefix: if a decoder trusted the length it
  // would allocate gigabytes; it must refuse before allocating.
  const hostile = [
    'ffffffff', '7fffffff', '7fffffff7fffffff', '7fff', 'ffffffff0f', 'ffffffff07ffffffff07',
    '8080808080808080808001', '0000000000000000ffffffff0f', '00010000000000007fffffff',
  ].map((h) => Buffer.from(h, 'hex'));

  it('every request decoder rejects them without a RangeError', () => {
    for (const frame of frames) for (const bytes of hostile) tryDecode(frame, bytes, 'hostile');
  });

  it('keeps retained memory proportional to the frames decoded', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const random = seededRandom(1234);
    const batch: Buffer[] = [];
    for (const frame of frames) {
      for (const mutate of [MUTATIONS.hugeInt32!, MUTATIONS.hugeUvarint!, MUTATIONS.hugeInt16!]) batch.push(mutate(frame.bytes, random));
    }
    const frameBytes = batch.reduce((n, b) => n + b.length, 0);
    gc();
    const before = process.memoryUsage();
    const kept: unknown[] = [];
    let i = 0;
    for (const frame of frames) {
      for (let k = 0; k < 3; k++) {
        const outcome = tryDecode(frame, batch[i++]!, 'hostile batch');
        kept.push(outcome.ok ? outcome.value : outcome.error.kind);
      }
    }
    gc();
    const after = process.memoryUsage();
    const grown = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
    // Decoded values are objects over slices of the frames: some hundred
    // bytes of object per frame byte at worst, never the gigabytes a trusted
    // 0x7fffffff length would cost.
    expect(kept).toHaveLength(batch.length);
    expect(grown).toBeLessThan(64 * 1024 * 1024 + frameBytes * 100);
  });
});
