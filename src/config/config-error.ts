/**
 * A configuration problem that a request handler can put on the wire as-is:
 * an error code (INVALID_CONFIG, or INVALID_REQUEST where Kafka uses it) and
 * a message in Kafka's wording ("Invalid value X for configuration Y: ...").
 */
import { ErrorCode } from '../protocol/errors';

export interface ConfigError {
  readonly code: number;
  readonly message: string;
  /** The config key at fault, when there is one. */
  readonly configName?: string;
}

export function invalidConfig(message: string, configName?: string): ConfigError {
  return configName === undefined ? { code: ErrorCode.INVALID_CONFIG, message } : { code: ErrorCode.INVALID_CONFIG, message, configName };
}

export function invalidRequest(message: string, configName?: string): ConfigError {
  return configName === undefined
    ? { code: ErrorCode.INVALID_REQUEST, message }
    : { code: ErrorCode.INVALID_REQUEST, message, configName };
}

/** Kafka's ConfigException(name, value, reason) message. */
export function invalidValue(configName: string, shownValue: string, reason?: string): ConfigError {
  const suffix = reason === undefined ? '' : `: ${reason}`;
  return invalidConfig(`Invalid value ${shownValue} for configuration ${configName}${suffix}`, configName);
}

export type ConfigResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ConfigError };

export function ok<T>(value: T): ConfigResult<T> {
  return { ok: true, value };
}

export function fail<T>(error: ConfigError): ConfigResult<T> {
  return { ok: false, error };
}
