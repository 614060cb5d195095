/** DescribeCluster: the cluster id and this broker as the only node and controller. */
import { type DescribeCluster, ErrorCode, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { ALL_CLUSTER_OPERATIONS } from './acl-operations.ts';

export const handleDescribeCluster: Handler<typeof DescribeCluster> = (
  ctx,
  req,
): ResponseOf<typeof DescribeCluster> => {
  const { state } = ctx;
  const { host, port } = state.advertised();
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    endpointType: req.endpointType,
    clusterId: state.clusterId,
    controllerId: state.config.nodeId,
    brokers: [{ brokerId: state.config.nodeId, host, port, rack: null }],
    clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : -2147483648,
  };
};
