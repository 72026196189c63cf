/** Reading a broker's Prometheus endpoint in integration tests. */
import * as http from 'node:http';

/** The text of a /metrics endpoint. */
export function scrape(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** The value of one series, e.g. `weir_bytes_out_total{topic="t"}`; `missing` when the endpoint has no such line. */
export async function scrapeSample(url: string, series: string, missing = 0): Promise<number> {
  const line = (await scrape(url)).split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? missing : Number(line.slice(series.length + 1));
}
