/**
 * The value of `max.connections.per.ip.overrides` (Kafka's format), and
 * the address form both the overrides and the connection limits compare.
 */
import { isIPv4 } from 'node:net';
import type { ConfigValidator, ConfigValue } from './config-def';

/** IPv4 clients of a dual-stack socket arrive as `::ffff:a.b.c.d`; limits name them `a.b.c.d`. */
export function normalizeIpAddress(address: string): string {
  const mapped = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIPv4(mapped) ? mapped : address.toLowerCase();
}

/**
 * `max.connections.per.ip.overrides`: `host:limit` pairs, comma-separated.
 * Kafka resolves host names; Weir matches addresses as written (and
 * `localhost` as 127.0.0.1 and ::1). An IPv6 address may contain colons: the
 * limit is after the last one.
 */
export function parsePerIpOverrides(value: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of value.split(',')) {
    const entry = item.trim();
    if (entry === '') continue;
    const at = entry.lastIndexOf(':');
    const host = entry.slice(0, at).trim();
    const limit = Number(entry.slice(at + 1).trim());
    if (at <= 0 || !Number.isInteger(limit) || limit < 0) throw new Error(`"${entry}" is not host:limit`);
    if (host.toLowerCase() === 'localhost') {
      out.set('127.0.0.1', limit);
      out.set('::1', limit);
    } else out.set(normalizeIpAddress(host.replace(/^\[|\]$/g, '')), limit);
  }
  return out;
}

export const perIpOverridesValidator: ConfigValidator = {
  describe: 'host:limit,...',
  check(value: ConfigValue): string | undefined {
    if (typeof value !== 'string') return undefined;
    try {
      parsePerIpOverrides(value);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  },
};
