/**
 * Errors the client raises, each carrying what a person needs to act on it:
 * the Kafka error name for broker answers, and the address for connection
 * failures (the CLI prints `message` as is).
 */
import { errorName } from '../protocol/errors';

/** A broker answered with a Kafka error code. */
export class KafkaResponseError extends Error {
  readonly errorName: string;

  constructor(
    readonly errorCode: number,
    readonly context: string,
    brokerMessage?: string | null,
  ) {
    const name = errorName(errorCode);
    super(`${context}: ${name}${brokerMessage ? ` (${brokerMessage})` : ''}`);
    this.name = 'KafkaResponseError';
    this.errorName = name;
  }
}

/** The broker could not be reached or the connection broke. */
export class BrokerConnectionError extends Error {
  constructor(
    readonly address: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'BrokerConnectionError';
  }
}

/** Turns a socket error into a sentence that says what to check. */
export function describeSocketError(address: string, err: NodeJS.ErrnoException): BrokerConnectionError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return new BrokerConnectionError(address, `cannot reach a broker at ${address} (connection refused): is one running? Start one with \`weir start\` or pass -b host:port`, err.code);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new BrokerConnectionError(address, `cannot resolve the broker host in ${address}`, err.code);
    case 'ETIMEDOUT':
      return new BrokerConnectionError(address, `connecting to ${address} timed out`, err.code);
    case 'ECONNRESET':
    case 'EPIPE':
      return new BrokerConnectionError(address, `the broker at ${address} closed the connection`, err.code);
    default:
      return new BrokerConnectionError(address, `connection to ${address} failed: ${err.message}`, err.code);
  }
}
