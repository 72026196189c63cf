/**
 * ApiVersions (key 18), v0–4: the APIs that have handlers, with their
 * ranges from protocol/apis.ts, and (v3+) the broker's supported features
 * and the cluster's finalized feature levels (cluster/features.ts), which
 * Kafka's admin `describeFeatures` reads.
 *
 * A request newer than v4 reaches us decoded as an empty v0 request (the
 * network layer does that) and is answered with UNSUPPORTED_VERSION plus the
 * full list, so clients retry at a version we speak (G3). Features with a
 * supported minimum of 0 are left out below v4, as Kafka does (KAFKA-17492);
 * finalized levels come from the metadata image's FeatureLevelRecords, and
 * their epoch is the image's offset. `transaction.version` is never
 * finalized: level 2 would switch Java 4.x to transactions v2, which Weir
 * does not implement (G19).
 */
import { finalizedFeatureLevels, supportedFeaturesFor } from '../../cluster/features';
import type { MetadataImage } from '../../cluster/metadata/metadata-image';
import { Apis, type ApiSpec } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ApiVersionsResponse } from '../../protocol/messages';
import { defineHandler } from '../define-handler';

/** `served`: every API the broker has a handler for, ApiVersions included; `image`: the current metadata image. */
export function apiVersionsHandler(served: readonly ApiSpec<unknown, unknown>[], image: () => MetadataImage) {
  const apiKeys = [...served]
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion }));
  return defineHandler(Apis.ApiVersions, (_req, ctx): ApiVersionsResponse => {
    const v = ctx.apiVersion;
    if (v > Apis.ApiVersions.maxVersion) {
      return { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys, throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1n, finalizedFeatures: [], zkMigrationReady: false };
    }
    const current = image();
    return {
      errorCode: ErrorCode.NONE,
      apiKeys,
      throttleTimeMs: 0,
      supportedFeatures: supportedFeaturesFor(v).map((f) => ({ name: f.name, minVersion: f.minVersion, maxVersion: f.maxVersion })),
      finalizedFeaturesEpoch: BigInt(current.offset),
      finalizedFeatures: finalizedFeatureLevels(current.features).map((f) => ({ name: f.name, minVersionLevel: f.level, maxVersionLevel: f.level })),
      zkMigrationReady: false,
    };
  });
}
