/**
 * Validators for parsed config values, with the same acceptance rules as
 * Kafka's ConfigDef.Range / ValidString / ValidList. Reasons are worded so
 * they read naturally after "Invalid value X for configuration Y: ".
 */
import type { ConfigValidator, ConfigValue } from './config-def';
import { KAFKA_VERSIONS, parseKafkaVersion } from './kafka-versions';

function describeBound(n: number): string {
  return Number.isInteger(n) && Math.abs(n) >= 2 ** 63 ? (n > 0 ? '9223372036854775807' : '-9223372036854775808') : String(n);
}

/** Numbers >= min. `null` (an unset key) passes: nothing to check. */
export function atLeast(min: number): ConfigValidator {
  return {
    describe: `[${describeBound(min)},...]`,
    check(value: ConfigValue): string | undefined {
      if (typeof value !== 'number') return undefined;
      return value < min ? `Value must be at least ${describeBound(min)}` : undefined;
    },
  };
}

/** Numbers in [min, max]. */
export function between(min: number, max: number): ConfigValidator {
  return {
    describe: `[${describeBound(min)},...,${describeBound(max)}]`,
    check(value: ConfigValue): string | undefined {
      if (typeof value !== 'number') return undefined;
      if (value < min) return `Value must be at least ${describeBound(min)}`;
      if (value > max) return `Value must be no more than ${describeBound(max)}`;
      return undefined;
    },
  };
}

/** A string that must be one of the given values (case-sensitive, as Kafka's ValidString). */
export function oneOf(...allowed: string[]): ConfigValidator {
  return {
    describe: `[${allowed.join(', ')}]`,
    check(value: ConfigValue): string | undefined {
      if (typeof value !== 'string') return undefined;
      return allowed.includes(value) ? undefined : `String must be one of: ${allowed.join(', ')}`;
    },
  };
}

/** A list whose every element must be one of the given values (Kafka's ValidList.in). */
export function listOf(...allowed: string[]): ConfigValidator {
  return {
    describe: `[${allowed.join(', ')}]`,
    check(value: ConfigValue): string | undefined {
      if (!Array.isArray(value)) return undefined;
      const bad = value.find((element) => !allowed.includes(element));
      return bad === undefined ? undefined : `String must be one of: ${allowed.join(', ')}`;
    },
    offending(value: ConfigValue): string | undefined {
      return Array.isArray(value) ? value.find((element) => !allowed.includes(element)) : undefined;
    },
  };
}

/** Numbers in [min, max], or exactly `exactly` (gzip's level: 1..9 or -1 for the library default). */
export function rangeOrExactly(min: number, max: number, exactly: number): ConfigValidator {
  return {
    describe: `[${min},...,${max}] or ${exactly}`,
    check(value: ConfigValue): string | undefined {
      if (typeof value !== 'number' || value === exactly) return undefined;
      return value < min || value > max ? `Value must be between ${min} and ${max} or equal to ${exactly}` : undefined;
    },
  };
}

/** Kafka's throttled-replicas syntax: "*" or "partition:broker,partition:broker,...". */
export const throttledReplicaList: ConfigValidator = {
  describe: '[partitionId]:[brokerId],[partitionId]:[brokerId],...',
  check(value: ConfigValue): string | undefined {
    if (!Array.isArray(value)) return undefined;
    if (value.length === 1 && value[0] === '*') return undefined;
    const pair = /^\s*\d+\s*:\s*\d+\s*$/;
    return value.every((entry) => pair.test(entry))
      ? undefined
      : "must be the literal '*' or a list of replicas in the form [partitionId]:[brokerId],[partitionId]:[brokerId],...";
  },
};

/** A Kafka version string as Kafka's MetadataVersionValidator accepts it (see kafka-versions.ts). */
export const metadataVersionString: ConfigValidator = {
  describe: `[${KAFKA_VERSIONS.join(', ')}]`,
  check(value: ConfigValue): string | undefined {
    if (typeof value !== 'string') return undefined;
    return parseKafkaVersion(value) === null ? `Version ${value} is not a valid version` : undefined;
  },
};

/** A non-empty comma-separated list of "NAME://host:port" (host may be empty). */
export const listenerList: ConfigValidator = {
  describe: 'NAME://host:port,...',
  check(value: ConfigValue): string | undefined {
    if (typeof value !== 'string') return undefined;
    if (value.trim() === '') return undefined;
    for (const entry of value.split(',')) {
      if (!/^[A-Za-z0-9_]+:\/\/(\[[0-9A-Fa-f:.]*\]|[^:\s]*):\d+$/.test(entry.trim())) {
        return `Unable to parse ${entry.trim()} to a broker endpoint`;
      }
    }
    return undefined;
  },
};

/**
 * etcd client URLs, as etcdctl's --endpoints takes them: "http://host:port"
 * or "host:port" (http meant). TLS to etcd needs client certificates Weir
 * has no keys for yet, so https is refused rather than half-supported.
 */
export const etcdEndpointList: ConfigValidator = {
  describe: 'http://host:port,...',
  check(value: ConfigValue): string | undefined {
    if (!Array.isArray(value)) return undefined;
    const bad = etcdEndpointList.offending!(value);
    if (bad === undefined) return undefined;
    return /^https:/i.test(bad) ? 'https endpoints are not supported yet (no TLS client settings for etcd)' : 'not an etcd endpoint (http://host:port)';
  },
  offending(value: ConfigValue): string | undefined {
    if (!Array.isArray(value)) return undefined;
    return value.find((entry) => !/^(http:\/\/)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(entry));
  },
};

/** An etcd key prefix: "/" then at least one character (several clusters can share one etcd under different prefixes). */
export const etcdKeyPrefix: ConfigValidator = {
  describe: '/name',
  check(value: ConfigValue): string | undefined {
    if (typeof value !== 'string') return undefined;
    return /^\/[^\s]*[^\s/][^\s]*$/.test(value) ? undefined : 'must start with / and name something (e.g. /weir or /weir/prod)';
  },
};
