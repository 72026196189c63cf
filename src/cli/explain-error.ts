/**
 * What the CLI prints for an error, and its exit code: usage mistakes point
 * at --help (exit 2); broker and connection errors are one sentence with a
 * hint for the common mistakes (exit 1); anything else is a bug and keeps
 * its stack under WEIR_DEBUG=1.
 */
import { BrokerConnectionError, KafkaResponseError } from '../client/errors';
import { UsageError } from './args';

const HINTS: Record<string, string> = {
  UNKNOWN_TOPIC_OR_PARTITION: 'see `weir topic list`; create it with `weir topic create NAME`',
  TOPIC_ALREADY_EXISTS: 'use --if-not-exists to ignore this',
  INVALID_PARTITIONS: 'the partition count must be at least 1 (and can only grow)',
  INVALID_REPLICATION_FACTOR: 'a single Weir broker takes replication factor 1',
  INVALID_CONFIG: 'see `weir topic describe NAME --all-configs` for the known configs',
  GROUP_ID_NOT_FOUND: 'see `weir group list`',
  NON_EMPTY_GROUP: 'stop the group\'s consumers first',
};

export function explainError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof UsageError) return { message: `${err.message}\nRun 'weir${err.command ? ` ${err.command}` : ''} --help' for usage.`, exitCode: 2 };
  if (err instanceof BrokerConnectionError) return { message: err.message, exitCode: 1 };
  if (err instanceof KafkaResponseError) {
    const hint = HINTS[err.errorName];
    return { message: hint ? `${err.message}: ${hint}` : err.message, exitCode: 1 };
  }
  if (err instanceof Error) return { message: process.env['WEIR_DEBUG'] ? (err.stack ?? err.message) : err.message, exitCode: 1 };
  return { message: String(err), exitCode: 1 };
}
