/**
 * Reads a RecordsValue into one Buffer. Only for the rare paths that must
 * look at stored records (down-conversion for Fetch v0–3, tools); the normal
 * fetch path hands file regions to the network layer untouched.
 */
import * as fs from 'node:fs';
import { RecordsValue, isFileRegion } from '../protocol/primitives/records-value';

export function readRecordsBytes(v: RecordsValue): Buffer {
  const chunks = Buffer.isBuffer(v) || isFileRegion(v) ? [v] : v;
  const out: Buffer[] = [];
  for (const c of chunks) {
    if (Buffer.isBuffer(c)) {
      out.push(c);
      continue;
    }
    const buf = Buffer.allocUnsafe(c.length);
    let done = 0;
    while (done < c.length) {
      const n = fs.readSync(c.fd, buf, done, c.length - done, c.position + done);
      if (n === 0) break;
      done += n;
    }
    out.push(done === c.length ? buf : buf.subarray(0, done));
  }
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}
