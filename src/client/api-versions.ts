/**
 * ApiVersions negotiation: ask the broker what it serves, then use, per API,
 * the highest version both sides know (min of our max and the broker's max).
 *
 * We first ask with ApiVersions v3 (flexible, names the client software). A
 * broker that does not know v3 answers in v0 with UNSUPPORTED_VERSION and
 * its own range, and we ask again at the highest version it takes.
 */
import { ErrorCode } from '../protocol/errors';
import type { ApiVersionsResponse } from '../protocol/messages';
import { ClientApi, ClientApis } from './client-apis';
import type { BrokerConnection } from './connection';
import { KafkaResponseError } from './errors';

export interface BrokerVersionRange {
  minVersion: number;
  maxVersion: number;
}

export class NegotiatedVersions {
  constructor(readonly broker: ReadonlyMap<number, BrokerVersionRange>) {}

  /** Whether the broker serves a version of `api` this client can use. */
  supports(api: ClientApi<unknown, unknown>): boolean {
    return this.pick(api) !== null;
  }

  /** The version to use, or null when the ranges do not overlap. */
  pick(api: ClientApi<unknown, unknown>): number | null {
    const b = this.broker.get(api.apiKey);
    if (!b) return null;
    const v = Math.min(api.maxVersion, b.maxVersion);
    return v >= Math.max(api.minVersion, b.minVersion) ? v : null;
  }

  /** The version to use; throws a readable error when there is none. */
  require(api: ClientApi<unknown, unknown>): number {
    const v = this.pick(api);
    if (v !== null) return v;
    const b = this.broker.get(api.apiKey);
    const why = b ? `the broker serves v${b.minVersion}-${b.maxVersion}, this client v${api.minVersion}-${api.maxVersion}` : 'the broker does not serve it';
    throw new Error(`${api.name} is not available: ${why}`);
  }
}

function toMap(res: ApiVersionsResponse): Map<number, BrokerVersionRange> {
  return new Map(res.apiKeys.map((k) => [k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion }]));
}

export async function negotiateVersions(conn: BrokerConnection, softwareVersion = '0.1.0'): Promise<NegotiatedVersions> {
  const api = ClientApis.ApiVersions;
  const request = { clientSoftwareName: 'weir-client', clientSoftwareVersion: softwareVersion };
  let res = await conn.send(api, api.maxVersion, request);
  if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
    const theirs = res.apiKeys.find((k) => k.apiKey === api.apiKey);
    const v = Math.min(api.maxVersion, theirs?.maxVersion ?? 0);
    // Before v3 the request has no fields.
    res = await conn.send(api, v, v >= 3 ? request : api.request.defaults());
  }
  if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, 'ApiVersions');
  return new NegotiatedVersions(toMap(res));
}

