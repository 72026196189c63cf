/**
 * Changes to a topic's override map, as IncrementalAlterConfigs (per-key
 * SET / DELETE / APPEND / SUBTRACT) and the legacy AlterConfigs (replace the
 * whole set) make them. Pure: returns the new map, or the error to answer
 * with; the caller stores the result (unless validateOnly).
 *
 * Checks follow Kafka 3.9 (ConfigAdminManager.preprocess, then the KRaft
 * ConfigurationControlManager): duplicate keys and null values are
 * INVALID_REQUEST; unknown names, APPEND/SUBTRACT on a non-list key and bad
 * values are INVALID_CONFIG.
 */
import type { BrokerConfig, RawConfigs } from './broker-config';
import { fail, invalidConfig, invalidRequest, type ConfigResult } from './config-error';
import { formatConfigValue } from './config-value';
import { validateTopicOverrides } from './topic-config';
import { TOPIC_CONFIGS } from './topic-configs';
import { BROKER_CONFIGS } from './broker-configs';
import { CLIENT_METRICS_CONFIGS } from './client-metrics-configs';

export const AlterConfigOp = {
  SET: 0,
  DELETE: 1,
  APPEND: 2,
  SUBTRACT: 3,
} as const;
export type AlterConfigOpId = (typeof AlterConfigOp)[keyof typeof AlterConfigOp];

/** The AlterConfigOp names by id, as Kafka spells them in its messages. */
export const ALTER_CONFIG_OP_NAMES: Readonly<Record<number, string>> = { 0: 'SET', 1: 'DELETE', 2: 'APPEND', 3: 'SUBTRACT' };

/** One entry of IncrementalAlterConfigsRequest's Configs. */
export interface IncrementalConfigChange {
  readonly name: string;
  readonly configOperation: number;
  readonly value: string | null;
}

/** One entry of AlterConfigsRequest's Configs. */
export interface ConfigAssignment {
  readonly name: string;
  readonly value: string | null;
}

function toMap(raw: RawConfigs): Map<string, string> {
  return raw instanceof Map ? new Map(raw as ReadonlyMap<string, string>) : new Map(Object.entries(raw));
}

function duplicateNames(names: readonly string[]): boolean {
  return new Set(names).size !== names.length;
}

/** Split a stored list value as Kafka does for APPEND/SUBTRACT: on commas, dropping empty parts. */
function listParts(value: string): string[] {
  return value.split(',').filter((part) => part !== '');
}

/** APPEND (items not there yet, in order) or SUBTRACT (one occurrence each) on a stored list value. */
function changeList(stored: string, items: string, append: boolean): string {
  const parts = listParts(stored);
  for (const item of items.split(',')) {
    if (append) {
      if (!parts.includes(item)) parts.push(item);
    } else {
      const at = parts.indexOf(item);
      if (at >= 0) parts.splice(at, 1);
    }
  }
  return parts.join(',');
}

/**
 * Apply IncrementalAlterConfigs operations to a topic's current overrides.
 * APPEND/SUBTRACT start from the current override, or else from the topic
 * config's own default (not the broker's), as Kafka does.
 */
export function applyIncrementalTopicChanges(
  current: RawConfigs,
  changes: readonly IncrementalConfigChange[],
  broker: BrokerConfig,
): ConfigResult<ReadonlyMap<string, string>> {
  if (duplicateNames(changes.map((c) => c.name))) return fail(invalidRequest('Error due to duplicate config keys'));
  const unknownOp = changes.find((c) => ALTER_CONFIG_OP_NAMES[c.configOperation] === undefined);
  if (unknownOp !== undefined) {
    return fail(invalidRequest(`Unknown config operation ${unknownOp.configOperation} for config key: ${unknownOp.name}`, unknownOp.name));
  }
  const nullUpdates = changes.filter((c) => c.configOperation !== AlterConfigOp.DELETE && c.value === null).map((c) => c.name);
  if (nullUpdates.length > 0) return fail(invalidRequest(`Null value not supported for : ${nullUpdates.join(', ')}`));

  const next = toMap(current);
  for (const change of changes) {
    const key = TOPIC_CONFIGS.get(change.name);
    if (key === undefined) return fail(invalidConfig(`Unknown topic config name: ${change.name}`, change.name));
    const value = change.value ?? '';
    switch (change.configOperation) {
      case AlterConfigOp.SET:
        next.set(change.name, value);
        break;
      case AlterConfigOp.DELETE:
        next.delete(change.name);
        break;
      case AlterConfigOp.APPEND:
      case AlterConfigOp.SUBTRACT: {
        if (key.type !== 'list') {
          const op = ALTER_CONFIG_OP_NAMES[change.configOperation] ?? String(change.configOperation);
          return fail(invalidConfig(`Can't ${op} to key ${change.name} because its type is not LIST.`, change.name));
        }
        next.set(change.name, changeList(next.get(change.name) ?? formatConfigValue(key, key.default) ?? '', value, change.configOperation === AlterConfigOp.APPEND));
        break;
      }
    }
  }
  return validateTopicOverrides(next, broker);
}

/** Legacy AlterConfigs: the given configs become the topic's complete override set. */
export function replaceTopicConfigs(
  configs: readonly ConfigAssignment[],
  broker: BrokerConfig,
): ConfigResult<ReadonlyMap<string, string>> {
  if (duplicateNames(configs.map((c) => c.name))) return fail(invalidRequest('Error due to duplicate config keys'));
  const nullUpdates = configs.filter((c) => c.value === null).map((c) => c.name);
  if (nullUpdates.length > 0) return fail(invalidRequest(`Null value not supported for : ${nullUpdates.join(', ')}`));
  const next = new Map<string, string>();
  for (const config of configs) next.set(config.name, config.value ?? '');
  return validateTopicOverrides(next, broker);
}

/**
 * SET and DELETE as given; APPEND and SUBTRACT through `listChange`, which
 * says what the new value is (from the stored one) or why the key takes no
 * list operation.
 */
function applyOperations(
  current: ReadonlyMap<string, string>,
  changes: readonly IncrementalConfigChange[],
  listChange: (change: IncrementalConfigChange, stored: string | undefined, append: boolean) => ConfigResult<string>,
): ConfigResult<Map<string, string>> {
  const next = new Map(current);
  for (const change of changes) {
    switch (change.configOperation) {
      case AlterConfigOp.SET:
        next.set(change.name, change.value ?? '');
        break;
      case AlterConfigOp.DELETE:
        next.delete(change.name);
        break;
      case AlterConfigOp.APPEND:
      case AlterConfigOp.SUBTRACT: {
        const changed = listChange(change, next.get(change.name), change.configOperation === AlterConfigOp.APPEND);
        if (!changed.ok) return fail(changed.error);
        next.set(change.name, changed.value);
        break;
      }
    }
  }
  return { ok: true, value: next };
}

/**
 * IncrementalAlterConfigs operations on a BROKER resource's dynamic configs
 * (Kafka's ConfigAdminManager.prepareIncrementalConfigs): APPEND and
 * SUBTRACT start from the stored value, else the key's default, and are
 * refused on keys that are not lists. Unknown keys may be SET (Kafka keeps
 * custom configs). The caller validates the result as a whole.
 */
export function applyIncrementalBrokerChanges(
  current: ReadonlyMap<string, string>,
  changes: readonly IncrementalConfigChange[],
): ConfigResult<Map<string, string>> {
  return applyOperations(current, changes, (change, stored, append) => {
    const key = BROKER_CONFIGS.get(change.name);
    if (key === undefined) return fail(invalidConfig(`Unknown config name: ${change.name}`, change.name));
    if (key.type !== 'list') {
      return fail(invalidConfig(`Config value ${append ? 'append' : 'subtract'} is not allowed for config key: ${change.name}`, change.name));
    }
    return { ok: true, value: changeList(stored ?? formatConfigValue(key, key.default) ?? '', change.value ?? '', append) };
  });
}

/**
 * IncrementalAlterConfigs operations on a CLIENT_METRICS resource (Kafka's
 * ConfigurationControlManager): APPEND and SUBTRACT only on the list
 * configs (`metrics`, `match`), starting from the stored value or empty.
 * The caller checks the result (clientMetricsConfigProblem).
 */
export function applyIncrementalClientMetricsChanges(
  current: ReadonlyMap<string, string>,
  changes: readonly IncrementalConfigChange[],
): ConfigResult<Map<string, string>> {
  return applyOperations(current, changes, (change, stored, append) => {
    if (CLIENT_METRICS_CONFIGS.get(change.name)?.list !== true) {
      const op = ALTER_CONFIG_OP_NAMES[change.configOperation] ?? String(change.configOperation);
      return fail(invalidConfig(`Can't ${op} to key ${change.name} because its type is not LIST.`, change.name));
    }
    return { ok: true, value: changeList(stored ?? '', change.value ?? '', append) };
  });
}
