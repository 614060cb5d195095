/**
 * The managed-cluster reconcile loop, hosted in the console's server process (started by instrumentation.ts unless
 * SAMSA_CLUSTER_RECONCILE=off). Every TICK_MS it reads the registered clusters and starts a run for each one that is
 * not paused and whose interval has passed since its last run (whichever console ran it: runs are serialized across
 * consoles by an advisory lock, see reconcile-runner.ts). A change to tenants, keys, ACLs or quotas (the
 * `samsa_metadata` NOTIFY the broker follows) asks every cluster for a run CHANGE_DEBOUNCE_MS after the last
 * change, instead of waiting for the interval.
 */
import { listenMetadata, type MetadataListener } from '@samsa/db/metadata-listener';
import { db } from '../../server/db.ts';
import { log } from '../../server/log.ts';
import { type RunTrigger, runClusterReconcile } from './reconcile-runner.ts';

const TICK_MS = 1_000;
/** A burst of changes (a tenant with its keys and ACLs) becomes one run this long after the last change. */
export const CHANGE_DEBOUNCE_MS = 2_000;
/** Runs of different clusters this process makes at once. */
const CONCURRENT_RUNS_MAX = 4;
/** When another console holds a cluster's lock, this process asks again after this long. */
const LOCKED_RETRY_MS = 5_000;
const ACTOR = 'samsa console (reconcile loop)';

class ClusterReconcileLoop {
  private timer: NodeJS.Timeout | null = null;
  private listener: MetadataListener | null = null;
  private readonly running = new Map<string, Promise<void>>();
  private readonly notBefore = new Map<string, number>();
  /** When the last metadata change arrived; null when none is waiting to be handed to the clusters. */
  private changedAt: number | null = null;
  /** Clusters owed a run for a change (kept while a cluster is busy, so the change is not lost). */
  private readonly changePending = new Set<string>();
  private ticking = false;

  start(databaseUrl: string): void {
    this.listener = listenMetadata(
      databaseUrl,
      () => {
        this.changedAt = Date.now();
      },
      (err) => log.warn({ err: err.message }, 'cluster reconcile loop: lost the metadata NOTIFY connection'),
    );
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const clusters = await db().kafkaCluster.findMany({ where: { paused: false } });
      const now = Date.now();
      if (this.changedAt !== null && now - this.changedAt >= CHANGE_DEBOUNCE_MS) {
        for (const c of clusters) this.changePending.add(c.id);
        this.changedAt = null;
      }
      for (const c of clusters) {
        if (this.running.size >= CONCURRENT_RUNS_MAX) break;
        if (this.running.has(c.id) || (this.notBefore.get(c.id) ?? 0) > now) continue;
        const intervalDue = !c.lastReconcileAt || now - c.lastReconcileAt.getTime() >= c.reconcileIntervalMs;
        const trigger: RunTrigger | null = this.changePending.has(c.id) ? 'change' : intervalDue ? 'loop' : null;
        if (!trigger) continue;
        this.changePending.delete(c.id);
        const run = runClusterReconcile(c, { trigger, actorEmail: ACTOR })
          .then((outcome) => {
            if (outcome.ran) return;
            // Another console is running it: ask again later, and keep a change owed (that run may predate it).
            this.notBefore.set(c.id, Date.now() + LOCKED_RETRY_MS);
            if (trigger === 'change') this.changePending.add(c.id);
          })
          .catch((err) => {
            log.error({ cluster: c.name, err: (err as Error).message }, 'cluster reconcile run failed');
            this.notBefore.set(c.id, Date.now() + LOCKED_RETRY_MS);
          })
          .finally(() => this.running.delete(c.id));
        this.running.set(c.id, run);
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cluster reconcile loop: could not read the clusters');
    } finally {
      this.ticking = false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.listener?.stop();
    await Promise.allSettled([...this.running.values()]);
  }
}

const holder = globalThis as unknown as { __samsaClusterLoop?: ClusterReconcileLoop };

/** Starts the process's loop once (later calls do nothing). */
export function startClusterReconcileLoop(): void {
  if (holder.__samsaClusterLoop) return;
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const loop = new ClusterReconcileLoop();
  holder.__samsaClusterLoop = loop;
  loop.start(url);
  log.info({ tickMs: TICK_MS, changeDebounceMs: CHANGE_DEBOUNCE_MS }, 'managed-cluster reconcile loop started');
}

/** Stops the loop after its runs have finished (tests, shutdown). */
export async function stopClusterReconcileLoop(): Promise<void> {
  const loop = holder.__samsaClusterLoop;
  holder.__samsaClusterLoop = undefined;
  await loop?.stop();
}
