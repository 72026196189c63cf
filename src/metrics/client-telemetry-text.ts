/**
 * The metrics clients pushed (KIP-714), in the Prometheus text format, one
 * series per client and metric: OTLP names with dots as underscores
 * (org.apache.kafka.producer.record.queue.time.avg becomes
 * org_apache_kafka_producer_record_queue_time_avg), monotonic sums as
 * counters with `_total`, histograms as `_bucket`/`_sum`/`_count`. Each
 * series carries the client's labels (client_instance_id, client_id,
 * client_software_name/version, client_source_address/port), then the
 * client's own resource attributes and the data point's attributes
 * (topic, partition, node_id, ...). Kafka needs a plugin for this; Weir
 * shows them out of the box.
 */

export interface ClientSeriesView {
  readonly name: string;
  readonly description: string;
  readonly kind: 'gauge' | 'counter' | 'histogram' | 'summary';
  readonly attributes: ReadonlyMap<string, string>;
  readonly value: number;
  readonly count: number;
  readonly buckets: readonly (readonly [number, number])[];
}

export interface ClientTelemetryView {
  /** client_instance_id, client_id, ... (null: unknown). */
  readonly labels: Readonly<Record<string, string | null>>;
  readonly series: Iterable<ClientSeriesView>;
}

function metricName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

function labelName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function num(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function labelText(labels: readonly (readonly [string, string])[]): string {
  return `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

export function clientTelemetryText(clients: Iterable<ClientTelemetryView>): string {
  const families = new Map<string, { type: string; help: string; lines: string[] }>();
  for (const client of clients) {
    const base: [string, string][] = Object.entries(client.labels)
      .filter((e): e is [string, string] => e[1] !== null)
      .map(([k, v]) => [k, v]);
    const taken = new Set(base.map(([k]) => k));
    for (const s of client.series) {
      const labels = [...base];
      for (const [k, v] of s.attributes) {
        const name = labelName(k);
        if (taken.has(name) || labels.some(([l]) => l === name)) continue;
        labels.push([name, v]);
      }
      let family = metricName(s.name);
      if (s.kind === 'counter' && !family.endsWith('_total')) family = `${family}_total`;
      let f = families.get(family);
      if (!f) families.set(family, (f = { type: s.kind, help: s.description || s.name, lines: [] }));
      if (f.type !== s.kind) continue; // one type per family: the first seen wins
      if (s.kind === 'gauge' || s.kind === 'counter') {
        f.lines.push(`${family}${labelText(labels)} ${num(s.value)}`);
        continue;
      }
      if (s.kind === 'histogram') {
        for (const [le, c] of s.buckets) f.lines.push(`${family}_bucket${labelText([...labels, ['le', num(le)]])} ${num(c)}`);
      }
      f.lines.push(`${family}_sum${labelText(labels)} ${num(s.value)}`);
      f.lines.push(`${family}_count${labelText(labels)} ${num(s.count)}`);
    }
  }
  let out = '';
  for (const [name, f] of families) {
    if (f.lines.length === 0) continue;
    out += `# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} ${f.type}\n${f.lines.join('\n')}\n`;
  }
  return out;
}
