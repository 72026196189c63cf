/**
 * The numeric enums DescribeConfigs puts on the wire (Kafka's
 * DescribeConfigsResponse.ConfigSource and .ConfigType).
 */
import type { ConfigType } from './config-def';

export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
} as const;
export type ConfigSourceId = (typeof ConfigSource)[keyof typeof ConfigSource];

export const DescribeConfigType = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;
export type DescribeConfigTypeId = (typeof DescribeConfigType)[keyof typeof DescribeConfigType];

const BY_TYPE: Record<ConfigType, DescribeConfigTypeId> = {
  boolean: DescribeConfigType.BOOLEAN,
  string: DescribeConfigType.STRING,
  int: DescribeConfigType.INT,
  short: DescribeConfigType.SHORT,
  long: DescribeConfigType.LONG,
  double: DescribeConfigType.DOUBLE,
  list: DescribeConfigType.LIST,
  class: DescribeConfigType.CLASS,
  password: DescribeConfigType.PASSWORD,
};

export function describeConfigTypeOf(type: ConfigType | undefined): DescribeConfigTypeId {
  return type === undefined ? DescribeConfigType.UNKNOWN : BY_TYPE[type];
}

/** ConfigResource.Type ids used by the *Configs APIs. */
export const ConfigResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
} as const;
