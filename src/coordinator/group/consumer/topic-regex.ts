/**
 * Regex subscriptions (ConsumerGroupHeartbeat v1, KIP-848). Kafka compiles
 * them as RE2/J and matches whole topic names. We compile with JavaScript's
 * engine, anchored to the whole name; RE2 syntax is close to a subset of
 * it, so a regex JavaScript cannot compile answers INVALID_REGULAR_EXPRESSION.
 * A leading `(?i)` (common in RE2) becomes the `i` flag. Internal topics
 * never match.
 */
const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);

const compiled = new Map<string, RegExp | null>();

/** The compiled regex, or null when it does not compile. Cached: members heartbeat the same string. */
export function compileTopicRegex(source: string): RegExp | null {
  const cached = compiled.get(source);
  if (cached !== undefined) return cached;
  let body = source;
  let flags = '';
  if (body.startsWith('(?i)')) {
    body = body.slice(4);
    flags = 'i';
  }
  let re: RegExp | null;
  try {
    re = new RegExp(`^(?:${body})$`, flags);
  } catch {
    re = null;
  }
  if (compiled.size > 1000) compiled.clear();
  compiled.set(source, re);
  return re;
}

export function regexMatchesTopic(re: RegExp, topic: string): boolean {
  return !INTERNAL_TOPICS.has(topic) && re.test(topic);
}
