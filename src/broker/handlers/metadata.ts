/**
 * Metadata (key 3), v0–12.
 *
 * Translation of the metadata image: every topic with its id, and per
 * partition its leader, leader epoch, replicas and ISR as the image holds
 * them (on one node: this broker, epoch 0, G8); replicas on brokers that
 * are not live are offline, and a partition without a leader is
 * LEADER_NOT_AVAILABLE (Kafka's metadata cache: kafkajs's admin refuses to
 * work while any partition it sees is). The brokers listed are this
 * one, at the endpoint advertised for the listener the client reached; it
 * is also the controller id clients see. In a cluster: every live broker
 * (live-brokers.ts) and the elected controller. Which topics: v0 treats an empty
 * list as "all"; from v1, null means all and empty means none (G13).
 * Unknown topics are created through the controller when the request allows
 * it (implicitly before v4, the flag from v4) and `auto.create.topics.enable`
 * is on; the answer waits until the image has them, so they are returned
 * ready to use in the same response. From v10 topics carry their stable
 * topic ids, and v12 may name topics by id only.
 *
 * Authorization (Kafka's KafkaApis): a topic the principal may not DESCRIBE
 * is left out of an all-topics answer and is TOPIC_AUTHORIZATION_FAILED when
 * named (before its existence is checked, so nothing is disclosed; by id,
 * with the id); auto-creation needs CREATE on the cluster or on the topic
 * (else TOPIC_AUTHORIZATION_FAILED). The KIP-430 fields (v8+) carry the
 * operations the principal may do on each topic and (v8-10) on the cluster,
 * 0 for the cluster without DESCRIBE on it.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { MetadataRequest, MetadataResponse } from '../../protocol/messages';
import { ZERO_UUID } from '../../protocol/primitives/codec-support';
import { isInternalTopic, topicNameProblem } from '../../cluster/topic-name';
import type { TopicImage } from '../../cluster/metadata/metadata-image';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { liveBrokersFor } from '../live-brokers';
import { AclOperation as Op, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

const NOT_REQUESTED = -2147483648;

export function metadataHandler(b: BrokerContext) {
  return defineHandler(Apis.Metadata, async (req: MetadataRequest, ctx): Promise<MetadataResponse> => {
    const v = ctx.apiVersion;
    const endpoint = b.advertisedEndpoint(ctx);
    const wantOps = v >= 8 && req.includeTopicAuthorizedOperations;
    const registered = (id: number) => b.metadata.image.brokers.has(id);
    const live = (id: number) => b.metadata.image.brokers.get(id)?.fenced === false;
    const topicEntry = (t: TopicImage): MetadataResponse.MetadataResponseTopic => ({
      errorCode: ErrorCode.NONE,
      name: t.name,
      topicId: t.id,
      isInternal: isInternalTopic(t.name),
      partitions: [...t.partitions].map(([partitionIndex, p]) => ({
        // Kafka's metadata cache: a partition without a (registered) leader says so.
        errorCode: registered(p.leader) ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex,
        leaderId: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: [...p.replicas],
        isrNodes: [...p.isr],
        offlineReplicas: p.replicas.filter((r) => !live(r)),
      })),
      topicAuthorizedOperations: wantOps ? b.authorizer.authorizedOperations(ctx, ResourceType.TOPIC, t.name) : NOT_REQUESTED,
    });
    const errorEntry = (name: string | null, topicId: string, errorCode: number, isInternal = false): MetadataResponse.MetadataResponseTopic => ({
      errorCode,
      name: v < 12 && name === null ? '' : name,
      topicId,
      isInternal,
      partitions: [],
      topicAuthorizedOperations: NOT_REQUESTED,
    });

    const clusterOperations = () =>
      b.authorizer.allowed(ctx, Op.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)
        ? b.authorizer.authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)
        : 0;

    let topics: MetadataResponse.MetadataResponseTopic[];
    const allTopics = req.topics === null || (v === 0 && req.topics.length === 0);
    if (allTopics) {
      topics = b.metadata.image.topics
        .list()
        .filter((t) => b.authorizer.allowed(ctx, Op.DESCRIBE, ResourceType.TOPIC, t.name))
        .map(topicEntry);
    } else {
      const mayCreate = (v < 4 || req.allowAutoTopicCreation) && b.autoCreateTopics;
      const mayCreateTopic = (name: string) =>
        b.authorizer.allowed(ctx, Op.CREATE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME) || b.authorizer.allowed(ctx, Op.CREATE, ResourceType.TOPIC, name);
      topics = await Promise.all(
        req.topics!.map(async (rt) => {
          const image = b.metadata.image;
          if (rt.name === null || rt.name === '') {
            if (rt.topicId === ZERO_UUID) return errorEntry(rt.name, ZERO_UUID, ErrorCode.INVALID_REQUEST);
            const byId = image.topics.getById(rt.topicId);
            if (!byId) return errorEntry(null, rt.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
            if (!b.authorizer.allowed(ctx, Op.DESCRIBE, ResourceType.TOPIC, byId.name)) return errorEntry(null, rt.topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            return topicEntry(byId);
          }
          if (!b.authorizer.allowed(ctx, Op.DESCRIBE, ResourceType.TOPIC, rt.name)) return errorEntry(rt.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          const existing = image.topics.get(rt.name);
          if (existing) return topicEntry(existing);
          if (topicNameProblem(rt.name) !== null) return errorEntry(rt.name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION);
          if (!mayCreate || isInternalTopic(rt.name)) return errorEntry(rt.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          if (!mayCreateTopic(rt.name)) return errorEntry(rt.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED, isInternalTopic(rt.name));
          const created = await b.controller.autoCreateTopic(rt.name);
          return 'errorCode' in created ? errorEntry(rt.name, ZERO_UUID, created.errorCode) : topicEntry(created);
        }),
      );
    }

    return {
      throttleTimeMs: 0,
      brokers: b.cluster ? liveBrokersFor(b, ctx) : [{ nodeId: b.nodeId, host: endpoint.host, port: endpoint.port, rack: null }],
      clusterId: b.clusterId,
      controllerId: b.cluster ? b.cluster.controllerId() : b.nodeId,
      topics,
      clusterAuthorizedOperations: v >= 8 && v <= 10 && req.includeClusterAuthorizedOperations ? clusterOperations() : NOT_REQUESTED,
    };
  });
}
