/**
 * Feature flags (KIP-584): what this broker supports, and the levels the
 * cluster has finalized (FeatureLevelRecords in the metadata log).
 * ApiVersions v3+ reports both; Kafka's admin `describeFeatures` reads them
 * from there.
 *
 * What Weir reports, in Kafka 3.9's terms:
 * - metadata.version: 21 (3.9-IV0), the record formats Weir writes. Kafka
 *   3.9 supports 1..21 because it can run at older levels; Weir cannot,
 *   so it says 21..21.
 * - group.version: 0..1, finalized 1 (Kafka 4.0's level for the KIP-848
 *   consumer protocol, which Weir serves; Kafka 3.9 has no such feature
 *   and gated KIP-848 on `group.coordinator.rebalance.protocols` alone,
 *   which Weir still honours).
 * - transaction.version is not reported: Weir implements the classic
 *   transaction protocol (level 0), and a finalized level of 2 would switch
 *   Java 4.x producers to KIP-890 part 2, which Weir does not serve (G19).
 *   Kafka 3.9 does not report it either (its production maximum is 0).
 * - kraft.version is not reported: Weir's metadata log is not a KRaft quorum.
 * Features whose supported minimum is 0 are left out of ApiVersions below
 * v4 (KAFKA-17492: older Java clients cannot parse them), and finalized
 * level 0 is never listed, as Kafka does.
 */
export const METADATA_VERSION_FEATURE = 'metadata.version';
/** The metadata.version feature level Weir writes: Kafka 3.9-IV0. */
export const METADATA_VERSION_LEVEL = 21;
export const GROUP_VERSION_FEATURE = 'group.version';
/** Kafka's GV_1: the consumer rebalance protocol (KIP-848). */
export const GROUP_VERSION_LEVEL = 1;

export interface SupportedFeature {
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export const SUPPORTED_FEATURES: readonly SupportedFeature[] = [
  { name: METADATA_VERSION_FEATURE, minVersion: METADATA_VERSION_LEVEL, maxVersion: METADATA_VERSION_LEVEL },
  { name: GROUP_VERSION_FEATURE, minVersion: 0, maxVersion: GROUP_VERSION_LEVEL },
];

/** The levels a new metadata log starts with (and an older log is brought up to once). */
export const BOOTSTRAP_FEATURE_LEVELS: ReadonlyMap<string, number> = new Map([
  [METADATA_VERSION_FEATURE, METADATA_VERSION_LEVEL],
  [GROUP_VERSION_FEATURE, GROUP_VERSION_LEVEL],
]);

/** ApiVersions' supported features for a request version (no minimum-0 features below v4). */
export function supportedFeaturesFor(apiVersionsVersion: number): SupportedFeature[] {
  return SUPPORTED_FEATURES.filter((f) => apiVersionsVersion >= 4 || f.minVersion !== 0);
}

/** ApiVersions' finalized features: every finalized level but 0, as (name, level). */
export function finalizedFeatureLevels(finalized: ReadonlyMap<string, number>): { name: string; level: number }[] {
  return [...finalized].filter(([, level]) => level !== 0).map(([name, level]) => ({ name, level }));
}
