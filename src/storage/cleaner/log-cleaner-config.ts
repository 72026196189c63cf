/** The broker-wide log cleaner settings, Kafka's `log.cleaner.*` names camelCased, Kafka's defaults. */
export interface LogCleanerConfig {
  /** log.cleaner.enable */
  enabled: boolean;
  /** log.cleaner.dedupe.buffer.size: memory of the key -> offset map (Kafka divides it among its threads; Weir has one cleaner). */
  dedupeBufferSize: number;
  /** log.cleaner.io.buffer.size: the read window and how much cleaned data is written at once. */
  ioBufferSize: number;
  /** log.cleaner.io.buffer.load.factor: how full the offset map's hash table may get. */
  loadFactor: number;
  /** log.cleaner.io.max.bytes.per.second: read + write throttle (Infinity: none). */
  maxIoBytesPerSecond: number;
  /** log.cleaner.backoff.ms: the pause when no log needs cleaning. */
  backoffMs: number;
  /** Weir: bytes one slice may read before yielding the event loop. */
  sliceBytes: number;
  /** Weir: milliseconds one slice may run before yielding the event loop. */
  sliceMs: number;
  /** Ceiling for one decompressed batch (a batch over it makes the log uncleanable rather than exhaust memory). */
  maxUncompressedBatchBytes: number;
}

export const DEFAULT_LOG_CLEANER_CONFIG: Readonly<LogCleanerConfig> = Object.freeze({
  enabled: true,
  dedupeBufferSize: 128 * 1024 * 1024,
  ioBufferSize: 512 * 1024,
  loadFactor: 0.9,
  maxIoBytesPerSecond: Infinity,
  backoffMs: 15_000,
  sliceBytes: 1024 * 1024,
  sliceMs: 10,
  maxUncompressedBatchBytes: 64 * 1024 * 1024,
});

export function logCleanerConfig(overrides: Partial<LogCleanerConfig> = {}): LogCleanerConfig {
  return { ...DEFAULT_LOG_CLEANER_CONFIG, ...overrides };
}
