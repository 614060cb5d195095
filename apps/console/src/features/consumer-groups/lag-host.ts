/**
 * Hosts the consumer-lag engine (@samsa/lag) in the console's server process: one LagService per process, kept on
 * globalThis (Next.js may load this module in more than one bundle), configured from the environment `samsa start`
 * passes to the console (SAMSA_BROKER_BOOTSTRAP, SAMSA_BROKER_SASL_USERNAME/_PASSWORD, SAMSA_LAG_*). It is started
 * at server start by instrumentation.ts, and lazily by the first API call that needs it.
 */
import { type LagService, lagServiceFromEnv } from '@samsa/lag';
import { db } from '../../server/db.ts';
import { log } from '../../server/log.ts';
import { clusterAdmin } from '../cluster/cluster-admin.ts';

const holder = globalThis as unknown as { __samsaLag?: LagService };

/**
 * The process's LagService, started (warm-up from stored samples, then a pass every interval) on first use, unless
 * SAMSA_LAG_COLLECTOR=off (then it only answers from stored history).
 */
export function lagService(): LagService {
  if (!holder.__samsaLag) {
    // The collector reads groups over the console's own superuser admin client: one superuser connection per process.
    const service = lagServiceFromEnv(db(), process.env, {
      logger: log.child({ component: 'lag' }),
      admin: clusterAdmin().groupAdmin(),
    });
    holder.__samsaLag = service;
    if (process.env.SAMSA_LAG_COLLECTOR === 'off') {
      log.info('lag collector off (SAMSA_LAG_COLLECTOR=off)');
    } else {
      service.start().catch((err) => log.error({ err: (err as Error).message }, 'lag collector did not start'));
      const { intervalMs, passTimeoutMs, requestTimeoutMs, offsetResetPolicy, maxAssignedTopicsPerGroup } =
        service.collector;
      // offsetResetPolicy: where lag counts from on partitions without a committed offset (SAMSA_LAG_AUTO_OFFSET_RESET).
      log.info(
        { intervalMs, passTimeoutMs, requestTimeoutMs, offsetResetPolicy, maxAssignedTopicsPerGroup },
        'lag collector started',
      );
    }
  }
  return holder.__samsaLag;
}

/** Stops the collector and forgets it (tests, shutdown); the next `lagService()` starts a new one. */
export async function stopLagService(): Promise<void> {
  const old = holder.__samsaLag;
  holder.__samsaLag = undefined;
  await old?.stop();
}
