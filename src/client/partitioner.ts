/**
 * Kafka's default partitioner for keyed records: murmur2 of the key bytes,
 * made positive, modulo the partition count, exactly as the Java client
 * (and librdkafka's `murmur2_random`) do, so a key lands on the same
 * partition whichever of these tools produced it.
 */
export function murmur2(data: Buffer): number {
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  const length = data.length;
  let h = (seed ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) + ((data[i4 + 1]! & 0xff) << 8) + ((data[i4 + 2]! & 0xff) << 16) + ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & 3;
  const base = length & ~3;
  if (tail === 3) h ^= (data[base + 2]! & 0xff) << 16;
  if (tail >= 2) h ^= (data[base + 1]! & 0xff) << 8;
  if (tail >= 1) {
    h ^= data[base]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition for a key, as Kafka's Java client chooses it. */
export function partitionForKey(key: Buffer, partitionCount: number): number {
  return (murmur2(key) & 0x7fffffff) % partitionCount;
}
