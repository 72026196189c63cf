/** Plain-text tables for listings: columns padded to their widest cell, like Kafka's tools print. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number | bigint | null)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
