import { FrameSplitter } from './frame-splitter';

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

describe('FrameSplitter', () => {
  test('splits frames arriving in one chunk, as slices without copying', () => {
    const s = new FrameSplitter(1000);
    const chunk = Buffer.concat([frame(Buffer.from('abc')), frame(Buffer.from('de'))]);
    const out = s.push(chunk);
    expect(out.map((f) => (f.kind === 'frame' ? f.frame.toString() : f.kind))).toEqual(['abc', 'de']);
    const first = out[0]!;
    expect(first.kind === 'frame' && first.frame.buffer).toBe(chunk.buffer);
  });

  test('joins a frame split across chunks at every possible point', () => {
    const bytes = Buffer.concat([frame(Buffer.from('hello world')), frame(Buffer.alloc(0)), frame(Buffer.from('x'))]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const s = new FrameSplitter(1000);
      const out = [...s.push(bytes.subarray(0, cut)), ...s.push(bytes.subarray(cut))];
      expect(out.map((f) => (f.kind === 'frame' ? f.frame.toString() : f.kind))).toEqual(['hello world', '', 'x']);
      expect(s.bufferedBytes).toBe(0);
    }
  });

  test('a frame spread over many chunks comes out whole, and so does the one after it', () => {
    const body = Buffer.alloc(5000);
    for (let i = 0; i < body.length; i++) body[i] = i & 0xff;
    const bytes = Buffer.concat([frame(body), frame(Buffer.from('next'))]);
    for (const step of [1, 3, 7, 64, 1000]) {
      const s = new FrameSplitter(10_000);
      const out = [];
      for (let pos = 0; pos < bytes.length; pos += step) {
        out.push(...s.push(bytes.subarray(pos, pos + step)));
        if (out.length === 0) expect(s.bufferedBytes).toBe(Math.min(pos + step, bytes.length));
      }
      expect(out.map((f) => (f.kind === 'frame' ? f.frame : f.kind))).toEqual([body, Buffer.from('next')]);
      expect(s.bufferedBytes).toBe(0);
    }
  });

  test('reports an oversized or negative size before buffering the body', () => {
    const s = new FrameSplitter(10);
    const big = Buffer.alloc(4);
    big.writeInt32BE(11);
    expect(s.push(big)).toEqual([{ kind: 'too-large', size: 11 }]);
    const neg = Buffer.alloc(4);
    neg.writeInt32BE(-5);
    expect(new FrameSplitter(10).push(neg)).toEqual([{ kind: 'too-large', size: -5 }]);
  });
});
