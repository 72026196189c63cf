/**
 * Describe and alter configs of topics and brokers. Altering uses
 * IncrementalAlterConfigs (set / delete one key at a time) rather than the
 * old AlterConfigs, which replaces a resource's whole config and would
 * silently drop keys the caller did not repeat.
 */
import { ErrorCode } from '../protocol/errors';
import { ClientApis } from './client-apis';
import type { KafkaClient } from './client';
import { KafkaResponseError } from './errors';

export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

/** Kafka's config sources (DescribeConfigs v1+), for display. */
const SOURCE_NAMES: Record<number, string> = {
  0: 'unknown',
  1: 'dynamic-topic',
  2: 'dynamic-broker',
  3: 'dynamic-default-broker',
  4: 'static-broker',
  5: 'default',
  6: 'dynamic-broker-logger',
  7: 'client-metrics',
  8: 'group',
};

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: string;
  isDefault: boolean;
  readOnly: boolean;
  isSensitive: boolean;
}

export async function describeConfigs(client: KafkaClient, type: ResourceType, name: string, keys: string[] | null = null): Promise<ConfigEntry[]> {
  const api = ClientApis.DescribeConfigs;
  // A broker's configs must be asked of that broker.
  const target = type === ResourceType.BROKER && /^\d+$/.test(name) ? Number(name) : 'any';
  const res = await client.send(target, api, () => ({
    ...api.request.defaults(),
    resources: [{ resourceType: type, resourceName: name, configurationKeys: keys }],
  }));
  const result = res.results[0];
  if (!result) throw new Error('DescribeConfigs: empty answer');
  if (result.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(result.errorCode, `describing configs of '${name}'`, result.errorMessage);
  return result.configs
    .map((c) => ({
      name: c.name,
      value: c.value,
      source: SOURCE_NAMES[c.configSource] ?? String(c.configSource),
      // v0 has isDefault; v1+ has the source instead.
      isDefault: c.isDefault || c.configSource === 5,
      readOnly: c.readOnly,
      isSensitive: c.isSensitive,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface ConfigChange {
  name: string;
  /** null deletes the key (back to its default). */
  value: string | null;
}

export async function alterConfigs(client: KafkaClient, type: ResourceType, name: string, changes: readonly ConfigChange[], validateOnly = false): Promise<void> {
  const api = ClientApis.IncrementalAlterConfigs;
  const target = type === ResourceType.BROKER && /^\d+$/.test(name) ? Number(name) : 'controller';
  const res = await client.send(target, api, () => ({
    resources: [
      {
        resourceType: type,
        resourceName: name,
        configs: changes.map((c) => ({ name: c.name, configOperation: c.value === null ? 1 : 0, value: c.value })),
      },
    ],
    validateOnly,
  }));
  for (const r of res.responses) {
    if (r.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(r.errorCode, `altering configs of '${r.resourceName}'`, r.errorMessage);
  }
}
