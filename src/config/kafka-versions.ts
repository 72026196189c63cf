/**
 * Kafka's MetadataVersion list (3.9): the version strings that
 * `inter.broker.protocol.version`, `log.message.format.version` and the
 * topic config `message.format.version` accept, parsed the way Kafka's
 * MetadataVersion.fromVersionString parses them:
 * - a version with its internal version ("0.10.0-IV1", "3.9-IV0");
 * - a release ("0.10.0", "2.8", "3.9"), meaning its latest internal version
 *   that is production-ready (so "4.0" is not one yet in 3.9, "4.0-IV0" is);
 * - anything longer is cut to the release's segments first: three for
 *   0.x versions, two otherwise, so "0.10.0.0", "0.8.2.2" and "1.0.1" are
 *   valid (Kafka documents this leniency).
 */

/** (release, internal versions) in order; the last production one is 3.9-IV0. */
const RELEASES: readonly (readonly [string, readonly string[]])[] = [
  ['0.8.0', ['']],
  ['0.8.1', ['']],
  ['0.8.2', ['']],
  ['0.9.0', ['']],
  ['0.10.0', ['IV0', 'IV1']],
  ['0.10.1', ['IV0', 'IV1', 'IV2']],
  ['0.10.2', ['IV0']],
  ['0.11.0', ['IV0', 'IV1', 'IV2']],
  ['1.0', ['IV0']],
  ['1.1', ['IV0']],
  ['2.0', ['IV0', 'IV1']],
  ['2.1', ['IV0', 'IV1', 'IV2']],
  ['2.2', ['IV0', 'IV1']],
  ['2.3', ['IV0', 'IV1']],
  ['2.4', ['IV0', 'IV1']],
  ['2.5', ['IV0']],
  ['2.6', ['IV0']],
  ['2.7', ['IV0', 'IV1', 'IV2']],
  ['2.8', ['IV0', 'IV1']],
  ['3.0', ['IV0', 'IV1']],
  ['3.1', ['IV0']],
  ['3.2', ['IV0']],
  ['3.3', ['IV0', 'IV1', 'IV2', 'IV3']],
  ['3.4', ['IV0']],
  ['3.5', ['IV0', 'IV1', 'IV2']],
  ['3.6', ['IV0', 'IV1', 'IV2']],
  ['3.7', ['IV0', 'IV1', 'IV2', 'IV3', 'IV4']],
  ['3.8', ['IV0']],
  ['3.9', ['IV0']],
  ['4.0', ['IV0', 'IV1']],
];

/** Releases past Kafka 3.9's LATEST_PRODUCTION: only their full version strings are accepted. */
const NOT_PRODUCTION: ReadonlySet<string> = new Set(['4.0']);

/** Every version string, in order (Kafka's MetadataVersion.VERSIONS). */
export const KAFKA_VERSIONS: readonly string[] = RELEASES.flatMap(([release, ivs]) => ivs.map((iv) => (iv === '' ? release : `${release}-${iv}`)));

const BY_KEY: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>(KAFKA_VERSIONS.map((v) => [v, v]));
  for (const [release, ivs] of RELEASES) {
    const last = ivs[ivs.length - 1] ?? '';
    if (!NOT_PRODUCTION.has(release)) map.set(release, last === '' ? release : `${release}-${last}`);
  }
  return map;
})();

/** The full version a string names (e.g. "0.10.0.0" -> "0.10.0-IV1"), or null when Kafka would refuse it. */
export function parseKafkaVersion(text: string): string | null {
  // Java's split drops trailing empty strings.
  const segments = text.split('.');
  while (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();
  const keep = text.startsWith('0.') ? 3 : 2;
  const key = keep >= segments.length ? text : segments.slice(0, keep).join('.');
  return BY_KEY.get(key) ?? null;
}
