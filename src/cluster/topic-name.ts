/**
 * Kafka's topic-name rules (org.apache.kafka.common.internals.Topic):
 * 1..249 characters of [a-zA-Z0-9._-], and not "." or "..".
 */
const LEGAL = /^[a-zA-Z0-9._-]+$/;
export const MAX_TOPIC_NAME_LENGTH = 249;

/** Why a name is not a legal topic name, or null if it is. */
export function topicNameProblem(name: string | null | undefined): string | null {
  if (name === null || name === undefined || name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  if (!LEGAL.test(name)) return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  return null;
}

/** Topics Weir itself owns; clients see them flagged internal in Metadata. */
export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets' || name === '__transaction_state';
}
