/**
 * Hands out producer ids that are never reused, across restarts too: ids are
 * reserved in blocks, and the end of the current block is persisted before
 * any id from it is given out (Kafka reserves blocks through its controller
 * the same way). A crash wastes at most the rest of one block.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replaceFileAtomically } from '../storage/atomic-file';

const FILE = 'producer-id-block';
const BLOCK_SIZE = 1000;

export class ProducerIdAllocator {
  private next = 0;
  private blockEnd = 0;

  constructor(private readonly dataDir: string | null) {
    if (dataDir !== null) {
      const file = path.join(dataDir, FILE);
      if (fs.existsSync(file)) {
        const reserved = Number(fs.readFileSync(file, 'utf8').trim());
        if (Number.isSafeInteger(reserved) && reserved >= 0) this.next = this.blockEnd = reserved;
      }
    }
  }

  allocate(): number {
    if (this.next >= this.blockEnd) this.reserve(this.next + BLOCK_SIZE);
    return this.next++;
  }

  private reserve(end: number): void {
    if (this.dataDir !== null) replaceFileAtomically(path.join(this.dataDir, FILE), `${end}\n`);
    this.blockEnd = end;
  }
}
