/**
 * A Fetch request's session id and epoch (KIP-227), with Kafka's
 * FetchMetadata rules:
 * - session id 0 is "no session";
 * - epoch 0 asks for a full fetch and a new session (any session named is
 *   closed first);
 * - epoch -1 asks for a full fetch and no session (the named one is closed:
 *   how a consumer ends its session when it closes);
 * - any other epoch is an incremental fetch in the named session, and must
 *   be the session's next epoch. After Integer.MAX_VALUE comes 1.
 */

/** The session id of a fetch that has no session. */
export const INVALID_SESSION_ID = 0;
/** A full fetch that wants a (new) session. */
export const INITIAL_EPOCH = 0;
/** A full fetch that wants no session. */
export const FINAL_EPOCH = -1;

const INT32_MAX = 2147483647;

/** The epoch the next request of a session must carry. */
export function nextEpoch(previous: number): number {
  if (previous < 0) return FINAL_EPOCH;
  return previous === INT32_MAX ? 1 : previous + 1;
}

/** Whether a request with this epoch is a full fetch (as opposed to an incremental one). */
export function isFullFetch(epoch: number): boolean {
  return epoch === INITIAL_EPOCH || epoch === FINAL_EPOCH;
}
