/**
 * Next.js calls `register` once when the console's server starts, before it serves requests. It installs the hook
 * that stamps every request with its real TCP peer (server/peer-address-hook.ts: sign-in limits and /setup's
 * loopback check rely on it), resumes unfinished tenant deletions, registers the cluster `samsa start --cluster` names
 * (features/clusters/start-cluster.ts), starts the managed-cluster reconcile loop (unless
 * SAMSA_CLUSTER_RECONCILE=off) and the consumer-lag collector, so lag
 * history and statuses are collected while nobody has the console open. Skipped in the Edge runtime, during
 * `next build`, without a database, and (the collector) with SAMSA_LAG_COLLECTOR=off (e.g. a second console replica).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const { installPeerAddressHook } = await import('./server/peer-address-hook.ts');
  installPeerAddressHook();
  if (!process.env.DATABASE_URL) return;
  const { resumeTenantDeletions } = await import('./features/tenants/tenant-deletion.ts');
  const { log } = await import('./server/log.ts');
  resumeTenantDeletions().catch((err) =>
    log.error({ err: (err as Error).message }, 'could not resume tenant deletions; they resume on the next start'),
  );
  // `samsa start --cluster`: the cluster the hub runs on is registered for the reconcile loop.
  const { registerStartCluster } = await import('./features/clusters/start-cluster.ts');
  registerStartCluster();
  if (process.env.SAMSA_CLUSTER_RECONCILE !== 'off') {
    const { startClusterReconcileLoop } = await import('./features/clusters/reconcile-loop.ts');
    startClusterReconcileLoop();
  }
  if (process.env.SAMSA_LAG_COLLECTOR === 'off') return;
  const { lagService } = await import('./features/consumer-groups/lag-host.ts');
  lagService();
}
