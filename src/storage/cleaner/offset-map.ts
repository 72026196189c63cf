import { hash } from 'node:crypto';

/** Bytes of a key's MD5 digest, as Kafka's SkimpyOffsetMap stores it. */
const HASH_BYTES = 16;
/** A slot: the key's digest, then the offset as two uint32 halves. */
export const OFFSET_MAP_ENTRY_BYTES = HASH_BYTES + 8;
/** The high half of an empty slot's offset (the table starts filled with 0xff; offsets are never negative). */
const EMPTY = 0xffffffff;

/**
 * The log cleaner's key -> latest offset map, Kafka's SkimpyOffsetMap: an
 * open-addressing hash table in one preallocated Buffer, holding the MD5 of
 * each key (never the key itself) and the offset of its latest record. Memory
 * is fixed at creation (log.cleaner.dedupe.buffer.size), whatever the keys'
 * sizes; a log whose dirty section has more keys than fit is cleaned in
 * several passes.
 *
 * Like Kafka, two keys with the same 128-bit digest are taken to be the same
 * key.
 */
export class OffsetMap {
  private readonly table: Buffer;
  private entries = 0;
  /** How many keys fit before `put` refuses new ones. */
  readonly maxEntries: number;
  /** The largest offset put so far (-1: none). */
  latestOffset = -1;

  constructor(
    readonly slots: number,
    /** log.cleaner.io.buffer.load.factor: the table counts as full at this fraction of its slots. */
    loadFactor: number,
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new Error(`offset map needs at least one slot, got ${slots}`);
    this.table = Buffer.alloc(slots * OFFSET_MAP_ENTRY_BYTES, 0xff);
    this.maxEntries = Math.max(1, Math.min(slots - 1, Math.floor(slots * loadFactor)));
  }

  /**
   * A map within `memoryBytes` for at most `neededEntries` keys: no larger
   * than the dirty section can use, so cleaning a small log does not
   * allocate the whole dedupe buffer.
   */
  static sized(memoryBytes: number, loadFactor: number, neededEntries: number): OffsetMap {
    const bySize = Math.floor(memoryBytes / OFFSET_MAP_ENTRY_BYTES);
    const byNeed = Math.ceil(Math.max(1, neededEntries) / loadFactor) + 1;
    return new OffsetMap(Math.max(2, Math.min(bySize, byNeed)), loadFactor);
  }

  get size(): number {
    return this.entries;
  }

  get isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  /** Bytes of memory the table holds. */
  get memoryBytes(): number {
    return this.table.length;
  }

  /**
   * Records `offset` as the latest for `key`. False (nothing changed) when
   * the key is new and the map is full.
   */
  put(key: Buffer, offset: number): boolean {
    const digest = hash('md5', key, 'buffer');
    const slot = this.findSlot(digest);
    const pos = slot * OFFSET_MAP_ENTRY_BYTES;
    const t = this.table;
    if (t.readUInt32BE(pos + HASH_BYTES) === EMPTY) {
      if (this.entries >= this.maxEntries) return false;
      digest.copy(t, pos, 0, HASH_BYTES);
      this.entries++;
    }
    const hi = Math.floor(offset / 0x1_0000_0000);
    t.writeUInt32BE(hi, pos + HASH_BYTES);
    t.writeUInt32BE(offset - hi * 0x1_0000_0000, pos + HASH_BYTES + 4);
    if (offset > this.latestOffset) this.latestOffset = offset;
    return true;
  }

  /** The latest offset recorded for `key`, or -1. */
  get(key: Buffer): number {
    const digest = hash('md5', key, 'buffer');
    const pos = this.findSlot(digest) * OFFSET_MAP_ENTRY_BYTES;
    const hi = this.table.readUInt32BE(pos + HASH_BYTES);
    if (hi === EMPTY) return -1;
    return hi * 0x1_0000_0000 + this.table.readUInt32BE(pos + HASH_BYTES + 4);
  }

  /** The slot holding `digest`, or the empty slot where it would go (linear probing; never full, see maxEntries). */
  private findSlot(digest: Buffer): number {
    const t = this.table;
    const d0 = digest.readUInt32BE(0);
    const d1 = digest.readUInt32BE(4);
    const d2 = digest.readUInt32BE(8);
    const d3 = digest.readUInt32BE(12);
    let slot = d0 % this.slots;
    for (;;) {
      const pos = slot * OFFSET_MAP_ENTRY_BYTES;
      if (t.readUInt32BE(pos + HASH_BYTES) === EMPTY) return slot;
      if (t.readUInt32BE(pos) === d0 && t.readUInt32BE(pos + 4) === d1 && t.readUInt32BE(pos + 8) === d2 && t.readUInt32BE(pos + 12) === d3) return slot;
      slot = slot + 1 === this.slots ? 0 : slot + 1;
    }
  }
}
