import type * as ZstdModule from 'zstd-napi';
import type * as ZstdBinding from 'zstd-napi/binding';
import { ProtocolError } from '../primitives/protocol-error';
import { BoundedOutput } from './output-buffer';

/**
 * Zstandard, bounded on decode.
 *
 * librdkafka writes streaming frames that do not declare their content size,
 * so we cannot size the output up front in general: we stream into a
 * BoundedOutput. The window the decoder may allocate is also capped, since a
 * frame header alone can otherwise ask for up to 128 MiB of window.
 */
const MIN_WINDOW_LOG = 24; // 16 MiB: enough for every level's default window
const MAX_WINDOW_LOG = 27; // zstd's own default limit

/** The native codec, loaded on first use: a broker that never sees zstd never loads it (start-up time, memory). */
let zstdModule: typeof ZstdModule | undefined;
let bindingModule: typeof ZstdBinding | undefined;
const zstd = (): typeof ZstdModule => (zstdModule ??= require('zstd-napi') as typeof ZstdModule);
const binding = (): typeof ZstdBinding => (bindingModule ??= require('zstd-napi/binding') as typeof ZstdBinding);

let dctx: ZstdBinding.DCtx | null = null;
let chunk: Buffer | null = null;

function corrupt(message: string): ProtocolError {
  return new ProtocolError('invalid-value', `zstd: ${message}`);
}

export function zstdCompress(data: Buffer): Buffer {
  return zstd().compress(data);
}

export function zstdDecompress(src: Buffer, maxBytes: number): Buffer {
  const b = binding();
  const ctx = (dctx ??= new b.DCtx());
  const windowLog = Math.min(MAX_WINDOW_LOG, Math.max(MIN_WINDOW_LOG, Math.ceil(Math.log2(Math.max(1, maxBytes)))));
  try {
    ctx.reset(b.ResetDirective.sessionAndParameters);
    ctx.setParameter(b.DParameter.windowLogMax, windowLog);
    // Fast path: a single frame that declares its size, within the limit.
    const declared = b.getFrameContentSize(src);
    if (declared !== null && declared <= maxBytes && b.findFrameCompressedSize(src) === src.length) {
      const out = Buffer.allocUnsafe(declared);
      const n = ctx.decompress(out, src);
      if (n !== declared) throw corrupt('frame content size mismatch');
      return out;
    }
    if (declared !== null && declared > maxBytes) {
      throw new ProtocolError('invalid-length', `decompressed data exceeds the limit of ${maxBytes} bytes`);
    }
    ctx.reset(b.ResetDirective.sessionOnly);
    return streamDecompress(ctx, src, maxBytes);
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw corrupt(e instanceof Error ? e.message : 'invalid frame');
  }
}

function streamDecompress(ctx: ZstdBinding.DCtx, src: Buffer, maxBytes: number): Buffer {
  const tmp = (chunk ??= Buffer.allocUnsafe(binding().dStreamOutSize()));
  const out = new BoundedOutput(maxBytes, src.length * 4);
  let pos = 0;
  let frameDone = false;
  for (;;) {
    const [remaining, produced, consumed] = ctx.decompressStream(tmp, src.subarray(pos));
    pos += consumed;
    out.append(tmp, 0, produced);
    frameDone = remaining === 0;
    if (frameDone && pos === src.length) return out.result();
    if (produced === 0 && consumed === 0) {
      throw corrupt(pos === src.length ? 'truncated frame' : 'decoder made no progress');
    }
  }
}
