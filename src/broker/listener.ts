/**
 * Parses Kafka listener strings: `NAME://host:port[,NAME://host:port]`.
 * Weir serves one PLAINTEXT listener; an empty host means all interfaces
 * (as in Kafka's `PLAINTEXT://:9092`).
 */
export interface Listener {
  name: string;
  host: string;
  port: number;
}

export function parseListeners(text: string): Listener[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(s);
      if (!m) throw new Error(`invalid listener '${s}': expected NAME://host:port`);
      return { name: m[1]!.toUpperCase(), host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) };
    });
}
