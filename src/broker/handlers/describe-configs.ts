/**
 * DescribeConfigs (key 32), v0–4.
 *
 * Resources, as Kafka's ConfigHelper answers them:
 * - TOPIC: every topic config (or the requested `configurationKeys`; unknown
 *   keys are left out), effective values with their source. An illegal name
 *   is INVALID_TOPIC_EXCEPTION, a missing topic UNKNOWN_TOPIC_OR_PARTITION
 *   (with no message, as Kafka sends it).
 * - BROKER: the resource name is this node's id (every broker config, from
 *   all layers: per-broker dynamic, cluster-wide dynamic, static, default,
 *   with that source) or "" (the cluster-wide dynamic defaults only).
 *   readOnly is false exactly for the keys that can change at runtime.
 *   Another id, or a name that is not an integer: INVALID_REQUEST with
 *   Kafka's message.
 * - BROKER_LOGGER: Weir has no log4j loggers, so this node's id lists none;
 *   an empty or foreign id is INVALID_REQUEST as in Kafka.
 * - CLIENT_METRICS: the subscription's stored configs (none for one that
 *   does not exist), source CLIENT_METRICS_CONFIG, no synonyms, no type; an
 *   empty name is INVALID_REQUEST.
 * - GROUP (Kafka 3.9 group configs): not supported yet, INVALID_REQUEST.
 * - Any other type fails the whole request with INVALID_REQUEST, because
 *   Kafka rejects it while authorising, before describing anything.
 *
 * Version notes: v0 has `isDefault` and no source; v1 adds `configSource`
 * and synonyms (when `includeSynonyms`); v3 adds `configType` and
 * documentation (Weir ships none: null). v4 is flexible.
 *
 * Authorization (Kafka's ConfigHelper): DESCRIBE_CONFIGS on the topic (or
 * group), or on the cluster for BROKER / BROKER_LOGGER / CLIENT_METRICS,
 * else TOPIC_ / GROUP_ / CLUSTER_AUTHORIZATION_FAILED for that resource.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../../protocol/messages';
import { ConfigResourceType, ConfigSource, describeBrokerConfigs, describeTopicConfigs, type DescribedConfig } from '../../config';
import { topicNameProblem } from '../../cluster/topic-name';
import type { BrokerContext } from '../broker-context';
import { parseBrokerId, configResourceDenied } from '../config-resources';
import { defineHandler } from '../define-handler';
import { AclOperation } from '../../security/authorizer/acl';

const GROUP_RESOURCE_TYPE = 32;
const KNOWN_RESOURCE_TYPES: ReadonlySet<number> = new Set([
  ConfigResourceType.TOPIC,
  ConfigResourceType.BROKER,
  ConfigResourceType.BROKER_LOGGER,
  ConfigResourceType.CLIENT_METRICS,
  GROUP_RESOURCE_TYPE,
]);

type Result = DescribeConfigsResponse.DescribeConfigsResult;
type Entry = DescribeConfigsResponse.DescribeConfigsResourceResult;

export function describeConfigsHandler(b: BrokerContext) {
  return defineHandler(Apis.DescribeConfigs, (req: DescribeConfigsRequest, ctx): DescribeConfigsResponse => {
    const v = ctx.apiVersion;
    const includeSynonyms = v >= 1 && req.includeSynonyms;
    const includeDocumentation = v >= 3 && req.includeDocumentation;

    const toEntry = (c: DescribedConfig): Entry => ({
      name: c.name,
      value: c.value,
      readOnly: c.readOnly,
      // Fields a version lacks must hold their defaults (isDefault is v0 only).
      isDefault: v === 0 ? c.isDefault : false,
      configSource: v >= 1 ? c.configSource : -1,
      isSensitive: c.isSensitive,
      synonyms: includeSynonyms ? c.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })) : [],
      configType: v >= 3 ? c.configType : 0,
      documentation: includeDocumentation ? c.documentation : null,
    });
    const ok = (r: DescribeConfigsRequest.DescribeConfigsResource, configs: DescribedConfig[]): Result => ({
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      configs: configs.map(toEntry),
    });
    const error = (r: DescribeConfigsRequest.DescribeConfigsResource, errorCode: number, errorMessage: string | null): Result => ({
      errorCode,
      errorMessage,
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      configs: [],
    });

    const unknownType = req.resources.find((r) => !KNOWN_RESOURCE_TYPES.has(r.resourceType));
    if (unknownType !== undefined) {
      const message = `Unexpected resource type UNKNOWN for resource ${unknownType.resourceName}`;
      return { throttleTimeMs: 0, results: req.resources.map((r) => error(r, ErrorCode.INVALID_REQUEST, message)) };
    }

    const describe = (r: DescribeConfigsRequest.DescribeConfigsResource): Result => {
      const options = { names: r.configurationKeys, includeSynonyms, isUpdatable: (name: string) => b.dynamicConfig.isUpdatable(name) };
      switch (r.resourceType) {
        case ConfigResourceType.TOPIC: {
          const problem = topicNameProblem(r.resourceName);
          if (problem !== null) return error(r, ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
          const image = b.metadata.image;
          if (!image.topics.get(r.resourceName)) return error(r, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
          return ok(r, describeTopicConfigs(image.topicConfigs(r.resourceName), b.config, options));
        }
        case ConfigResourceType.BROKER: {
          if (r.resourceName === '') return ok(r, describeBrokerConfigs(b.config, false, options));
          const id = parseBrokerId(r.resourceName);
          if (id === null) return error(r, ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${r.resourceName}`);
          if (id !== b.nodeId) {
            return error(r, ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${b.nodeId} or empty string, but received ${r.resourceName}`);
          }
          return ok(r, describeBrokerConfigs(b.config, true, options));
        }
        case ConfigResourceType.BROKER_LOGGER: {
          if (r.resourceName === '') return error(r, ErrorCode.INVALID_REQUEST, 'Broker id must not be empty');
          const id = parseBrokerId(r.resourceName);
          if (id === null) return error(r, ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${r.resourceName}`);
          if (id !== b.nodeId) {
            return error(r, ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${b.nodeId} but received ${r.resourceName}`);
          }
          return ok(r, []);
        }
        case ConfigResourceType.CLIENT_METRICS: {
          if (r.resourceName === '') return error(r, ErrorCode.INVALID_REQUEST, 'Client metrics subscription name must not be empty');
          const stored = b.metadata.image.resourceConfigs(ConfigResourceType.CLIENT_METRICS, r.resourceName);
          const wanted = (name: string) => !r.configurationKeys || r.configurationKeys.length === 0 || r.configurationKeys.includes(name);
          return {
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            resourceType: r.resourceType,
            resourceName: r.resourceName,
            configs: [...stored].filter(([name]) => wanted(name)).map(([name, value]) => ({
              name,
              value,
              readOnly: false,
              isDefault: false,
              configSource: v >= 1 ? ConfigSource.CLIENT_METRICS_CONFIG : -1,
              isSensitive: false,
              synonyms: [],
              configType: 0,
              documentation: null,
            })),
          };
        }
        default:
          return error(r, ErrorCode.INVALID_REQUEST, 'Unsupported resource type: GROUP');
      }
    };
    const authorizedDescribe = (r: DescribeConfigsRequest.DescribeConfigsResource): Result => {
      const denied = configResourceDenied(b, ctx, AclOperation.DESCRIBE_CONFIGS, r.resourceType, r.resourceName);
      return denied ? error(r, denied.errorCode, denied.errorMessage) : describe(r);
    };
    return { throttleTimeMs: 0, results: req.resources.map(authorizedDescribe) };
  });
}
