/**
 * Client metrics subscriptions (KIP-714) as CLIENT_METRICS config resources,
 * with Kafka's ClientMetricsConfigs names, defaults and checks:
 * - `metrics`: metric name prefixes to push ("*" all; empty: none);
 * - `interval.ms`: how often matching clients push, 100..3600000 (default
 *   300000);
 * - `match`: `name=regex` pairs over the client's selectors
 *   (client_instance_id, client_id, client_software_name,
 *   client_software_version, client_source_address, client_source_port),
 *   all of which must match in full; none: every client.
 * Unknown keys and intervals out of range are INVALID_REQUEST, malformed
 * match patterns INVALID_CONFIG, as Kafka answers.
 */
import { invalidConfig, invalidRequest, type ConfigError } from './config-error';

export const CLIENT_METRICS_METRICS = 'metrics';
export const CLIENT_METRICS_INTERVAL_MS = 'interval.ms';
export const CLIENT_METRICS_MATCH = 'match';
/** Every client-metrics config, and whether it is a list (APPEND/SUBTRACT apply). */
export const CLIENT_METRICS_CONFIGS: ReadonlyMap<string, { list: boolean }> = new Map([
  [CLIENT_METRICS_METRICS, { list: true }],
  [CLIENT_METRICS_INTERVAL_MS, { list: false }],
  [CLIENT_METRICS_MATCH, { list: true }],
]);

export const DEFAULT_PUSH_INTERVAL_MS = 300_000;
const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 3_600_000;

/** The client attributes a `match` pattern may name. */
export const CLIENT_MATCH_SELECTORS: ReadonlySet<string> = new Set([
  'client_instance_id',
  'client_id',
  'client_software_name',
  'client_software_version',
  'client_source_address',
  'client_source_port',
]);

export interface ClientMetricsSubscription {
  readonly name: string;
  readonly metrics: readonly string[];
  readonly intervalMs: number;
  /** selector -> pattern that must match the whole value. */
  readonly match: ReadonlyMap<string, RegExp>;
}

/** Java's String.split on a single character: trailing empty strings are dropped. */
function javaSplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Kafka's list parsing for these configs: comma-separated, trimmed, empty entries dropped. */
function listOf(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function parseMatch(patterns: readonly string[]): Map<string, RegExp> | ConfigError {
  const out = new Map<string, RegExp>();
  for (const pattern of patterns) {
    const pair = javaSplit(pattern, '=');
    const selector = pair[0]?.trim() ?? '';
    if (pair.length !== 2 || !CLIENT_MATCH_SELECTORS.has(selector)) return invalidConfig(`Illegal client matching pattern: ${pattern}`, CLIENT_METRICS_MATCH);
    try {
      out.set(selector, new RegExp(`^(?:${(pair[1] ?? '').trim()})$`));
    } catch {
      return invalidConfig(`Illegal client matching pattern: ${pattern}`, CLIENT_METRICS_MATCH);
    }
  }
  return out;
}

/** The checks Kafka makes before storing a subscription's configs; null when they pass. */
export function clientMetricsConfigProblem(name: string, configs: ReadonlyMap<string, string>): ConfigError | null {
  if (name === '') return invalidRequest("Subscription name can't be empty");
  for (const key of configs.keys()) {
    if (!CLIENT_METRICS_CONFIGS.has(key)) return invalidRequest(`Unknown client metrics configuration: ${key}`, key);
  }
  const interval = configs.get(CLIENT_METRICS_INTERVAL_MS);
  if (interval !== undefined) {
    const n = /^[+-]?\d+$/.test(interval.trim()) ? Number(interval.trim()) : NaN;
    if (!Number.isSafeInteger(n)) return invalidConfig(`Invalid value ${interval} for configuration ${CLIENT_METRICS_INTERVAL_MS}: Not a number of type INT`, CLIENT_METRICS_INTERVAL_MS);
    if (n < MIN_INTERVAL_MS || n > MAX_INTERVAL_MS) {
      return invalidRequest(`Invalid value ${n} for ${CLIENT_METRICS_INTERVAL_MS}, interval must be between 100 and 3600000 (1 hour)`, CLIENT_METRICS_INTERVAL_MS);
    }
  }
  const match = configs.get(CLIENT_METRICS_MATCH);
  if (match !== undefined) {
    const parsed = parseMatch(match.split(','));
    if (!(parsed instanceof Map)) return parsed;
  }
  return null;
}

/** A stored (valid) subscription. */
export function clientMetricsSubscription(name: string, configs: ReadonlyMap<string, string>): ClientMetricsSubscription {
  const interval = configs.get(CLIENT_METRICS_INTERVAL_MS);
  const match = parseMatch(listOf(configs.get(CLIENT_METRICS_MATCH)));
  return {
    name,
    metrics: listOf(configs.get(CLIENT_METRICS_METRICS)),
    intervalMs: interval === undefined ? DEFAULT_PUSH_INTERVAL_MS : Number(interval.trim()),
    match: match instanceof Map ? match : new Map(),
  };
}
