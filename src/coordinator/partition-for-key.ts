/**
 * Which partition of a coordinator's internal topic holds a key (a group id
 * in `__consumer_offsets`, a transactional id in `__transaction_state`):
 * Kafka's `Utils.abs(key.hashCode) % partitions`, with Java's String.hashCode
 * over UTF-16 code units, so tools reading the topics find the same partition
 * Kafka would use.
 */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs: Integer.MIN_VALUE maps to 0, not to itself. */
function kafkaAbs(n: number): number {
  return n === -2147483648 ? 0 : Math.abs(n);
}

export function partitionForKey(key: string, partitions: number): number {
  return kafkaAbs(javaStringHashCode(key)) % partitions;
}
