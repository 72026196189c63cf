/**
 * ApiVersions (key 18), v0–4: the APIs that have handlers, with their
 * ranges from protocol/apis.ts.
 *
 * A request newer than v4 reaches us decoded as an empty v0 request (the
 * network layer does that) and is answered with UNSUPPORTED_VERSION plus the
 * full list, so clients retry at a version we speak (G3). No features are
 * advertised: a finalized `transaction.version` would switch Java 4.x to
 * transactions v2, which Weir does not implement (G19).
 */
import { Apis, type ApiSpec } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ApiVersionsResponse } from '../../protocol/messages';
import { defineHandler } from '../define-handler';

/** `served`: every API the broker has a handler for, ApiVersions included. */
export function apiVersionsHandler(served: readonly ApiSpec<unknown, unknown>[]) {
  const apiKeys = [...served]
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion }));
  return defineHandler(Apis.ApiVersions, (_req, ctx): ApiVersionsResponse => ({
    errorCode: ctx.apiVersion > Apis.ApiVersions.maxVersion ? ErrorCode.UNSUPPORTED_VERSION : ErrorCode.NONE,
    apiKeys,
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  }));
}
