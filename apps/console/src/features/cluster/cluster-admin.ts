/**
 * The console's one connection to the cluster: @samsa/cluster's `KafkaClusterAdmin` (every Kafka call the console
 * makes: topics, groups, browsing, producing as a tenant), built once per process from the superuser connection
 * (SAMSA_BROKER_BOOTSTRAP, SAMSA_BROKER_SASL_USERNAME/_PASSWORD/_MECHANISM, SAMSA_BROKER_REQUEST_TIMEOUT_MS, read by
 * `clusterConnectionFromEnv` the same way the lag collector reads it). Its failures (`ClusterError`) become the
 * console's `ApiError` of the same code here.
 */
import {
  type ClusterAdmin,
  clusterConnectionFromEnv,
  clusterError as classifyClusterError,
  KafkaClusterAdmin,
  tenantClientSettingsFromEnv,
} from '@samsa/cluster';
import { ApiError, toApiError } from '../../server/errors.ts';
import { log } from '../../server/log.ts';

export type { BrokerTopic, ClusterAdmin, TenantTopic } from '@samsa/cluster';

/** The console's client id on the broker (its logs and metrics). */
export const CONSOLE_CLIENT_ID = 'samsa-console';

const holder = globalThis as unknown as { __samsaCluster?: ClusterAdmin };

export function clusterAdmin(): ClusterAdmin {
  holder.__samsaCluster ??= new KafkaClusterAdmin(
    clusterConnectionFromEnv(process.env, CONSOLE_CLIENT_ID),
    tenantClientSettingsFromEnv(process.env),
    log.child({ component: 'cluster' }),
  );
  return holder.__samsaCluster;
}

/** Replaces the cluster connection (used when the bootstrap address changes, e.g. in tests). */
export async function resetClusterAdmin(): Promise<void> {
  const old = holder.__samsaCluster;
  holder.__samsaCluster = undefined;
  await old?.close();
}

/** The console's error for a failed Kafka call: a ClusterError's code is the ApiError code of the same name. */
export function clusterError(err: unknown): ApiError {
  return err instanceof ApiError ? err : toApiError(classifyClusterError(err));
}
