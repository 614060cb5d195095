/**
 * probeManagedCluster: what registering a managed cluster checks before anything is stored. It signs in as the admin
 * principal, asks DescribeCluster for the brokers and the cluster operations the principal is allowed, and names the
 * ones a reconcile needs that are missing. Topic and group rights (DESCRIBE, DELETE) cannot be asked for without
 * naming topics; a reconcile reports their refusals.
 */
import { AclOperations, Admin, DescribeClusterEndpointTypes, type describeClusterV1 } from '@platformatic/kafka';
import { type ClusterConnection, saslOptions } from '../connection.ts';
import { ClusterError, clusterError, isSignInRefused } from '../errors.ts';
import { apiOf, raw } from '../raw-api.ts';

/** The cluster operations a reconcile needs (README "The admin principal"), with what each is for. */
export const REQUIRED_CLUSTER_OPERATIONS = {
  ALTER: 'CreateAcls, DeleteAcls, AlterUserScramCredentials',
  DESCRIBE: 'DescribeAcls, DescribeUserScramCredentials, ListGroups',
  ALTER_CONFIGS: 'AlterClientQuotas',
  DESCRIBE_CONFIGS: 'DescribeClientQuotas',
} as const;

export interface ProbeResult {
  clusterId: string;
  brokers: { id: number; host: string; port: number }[];
  /** Required cluster operations the principal lacks, e.g. `ALTER (CreateAcls, ...)`; empty when it has them all. */
  missing: string[];
}

/** Whether the principal holds `op` in Kafka's authorized-operations bit field (ALL holds every one). */
function holds(bits: number, op: number): boolean {
  return (bits & (1 << op)) !== 0 || (bits & (1 << AclOperations.ALL)) !== 0;
}

/** Signs in as the connection's principal and checks its cluster rights; see the module comment. */
export async function probeManagedCluster(connection: ClusterConnection): Promise<ProbeResult> {
  const admin = new Admin({
    clientId: connection.clientId,
    bootstrapBrokers: connection.bootstrapBrokers,
    timeout: connection.requestTimeoutMs,
    retries: 0,
    ...(connection.sasl ? { sasl: saslOptions(connection) } : {}),
  });
  try {
    const md = await admin.metadata({ topics: [] });
    const broker = [...md.brokers.values()][0];
    if (!broker) throw new ClusterError('cluster_unavailable', 'The cluster listed no brokers');
    const api = await apiOf<typeof describeClusterV1.api>(admin, 'DescribeCluster');
    if (!api)
      throw new ClusterError('cluster_error', 'The cluster does not support DescribeCluster (Kafka 2.8 or later)');
    const conn = await admin.connections.get({ host: broker.host, port: broker.port });
    const res = await raw(() => api.async(conn, true, DescribeClusterEndpointTypes.BROKERS));
    if (res.errorCode !== 0)
      throw new ClusterError(
        'cluster_error',
        `DescribeCluster failed: ${res.errorMessage ?? `error ${res.errorCode}`}`,
      );
    const bits = res.clusterAuthorizedOperations;
    const missing = Object.entries(REQUIRED_CLUSTER_OPERATIONS)
      .filter(([op]) => bits < 0 || !holds(bits, AclOperations[op as keyof typeof REQUIRED_CLUSTER_OPERATIONS]))
      .map(([op, forWhat]) => `${op} on the cluster (${forWhat})`);
    return {
      clusterId: res.clusterId,
      brokers: res.brokers.map((b) => ({ id: b.brokerId, host: b.host, port: b.port })),
      missing,
    };
  } catch (err) {
    if (isSignInRefused(err as never))
      throw new ClusterError(
        'cluster_error',
        `The cluster refused the sign-in of '${connection.sasl?.username ?? '(none)'}' with ${
          connection.sasl?.mechanism ?? 'no SASL'
        }: check the username, password and mechanism (SASL_PLAINTEXT; TLS is not supported yet)`,
      );
    throw clusterError(err);
  } finally {
    await admin.close().catch(() => undefined);
  }
}
