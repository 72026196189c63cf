/**
 * DescribeCluster (key 60), v0–1.
 *
 * The cluster is this one broker (with its `broker.rack`), at the endpoint
 * advertised for the listener the client reached. It is also the controller
 * id clients see: Kafka's KRaft brokers report a live broker there, never a
 * controller. In a cluster: every live broker (live-brokers.ts) and the
 * elected controller (a broker, as in ZooKeeper-mode Kafka).
 * `includeClusterAuthorizedOperations` (KIP-430): the cluster operations the
 * principal may do (every one without an authorizer; 0 without DESCRIBE on
 * the cluster, as Kafka's AuthHelper); otherwise the "not requested"
 * sentinel, Int32 min.
 * Version notes: v1 adds `endpointType`. A broker serves BROKER (1); asking
 * it for CONTROLLER (2) is MISMATCHED_ENDPOINT_TYPE, any other value
 * UNSUPPORTED_ENDPOINT_TYPE, as Kafka's AuthHelper answers. (Kafka uses
 * INVALID_REQUEST for those in v0, which cannot carry the field, so a v0
 * request always asks for BROKER.)
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { DescribeClusterRequest, DescribeClusterResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { liveBrokersFor } from '../live-brokers';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

const ENDPOINT_BROKER = 1;
const ENDPOINT_CONTROLLER = 2;
const NOT_REQUESTED = -2147483648;

export function describeClusterHandler(b: BrokerContext) {
  return defineHandler(Apis.DescribeCluster, (req: DescribeClusterRequest, ctx): DescribeClusterResponse => {
    const v0 = ctx.apiVersion === 0;
    if (req.endpointType !== ENDPOINT_BROKER) {
      const known = req.endpointType === ENDPOINT_CONTROLLER;
      return {
        throttleTimeMs: 0,
        errorCode: v0 ? ErrorCode.INVALID_REQUEST : known ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: known
          ? 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER'
          : `Unsupported endpoint type ${req.endpointType}`,
        endpointType: ENDPOINT_BROKER,
        clusterId: '',
        controllerId: -1,
        brokers: [],
        clusterAuthorizedOperations: NOT_REQUESTED,
      };
    }
    const endpoint = b.advertisedEndpoint(ctx);
    const clusterOperations = () =>
      b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)
        ? b.authorizer.authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)
        : 0;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: ENDPOINT_BROKER,
      clusterId: b.clusterId,
      controllerId: b.cluster ? b.cluster.controllerId() : b.nodeId,
      brokers: b.cluster
        ? liveBrokersFor(b, ctx).map((x) => ({ brokerId: x.nodeId, host: x.host, port: x.port, rack: x.rack }))
        : [{ brokerId: b.nodeId, host: endpoint.host, port: endpoint.port, rack: b.config.optionalString('broker.rack') }],
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? clusterOperations() : NOT_REQUESTED,
    };
  });
}
