/**
 * LagService configuration from environment variables, validated with zod, so the console (or any host process)
 * starts the lag engine with one call: `lagServiceFromEnv(db)`. Every variable is optional. The broker connection is
 * the control plane's superuser connection, read by @samsa/cluster's `clusterConnectionFromEnv` exactly as the
 * console reads it (SAMSA_BROKER_BOOTSTRAP, SAMSA_BROKER_SASL_USERNAME/_PASSWORD/_MECHANISM).
 */
import { clusterConnectionFromEnv, type KafkaGroupAdmin, saslOptions } from '@samsa/cluster';
import type { Db } from '@samsa/db';
import type { Logger } from 'pino';
import { z } from 'zod';
import { LagService } from './service.ts';
import { FileDeliveryLog, staticWebhookTargets, WebhookConfigSchema } from './webhook.ts';
import { webhookDestinationPolicyFromEnv } from './webhook-destination.ts';
import { dbWebhookTargets } from './webhook-targets.ts';

/** The collector's client id on the broker. */
export const LAG_CLIENT_ID = 'samsa-lag';

const ms = z.coerce.number().int().positive();

export const LagEnvSchema = z.object({
  SAMSA_LAG_INTERVAL_MS: ms.default(10_000),
  /** A pass that takes longer is abandoned and counted as failed; the next pass runs on schedule. */
  SAMSA_LAG_PASS_TIMEOUT_MS: ms.default(30_000),
  /** Deadline for one Kafka request of the collector. */
  SAMSA_LAG_REQUEST_TIMEOUT_MS: ms.default(10_000),
  /**
   * Where lag counts from on a partition a group has no committed offset on (its consumers' auto.offset.reset,
   * which the Kafka protocol does not carry): `earliest` counts every message in the log, `latest` none.
   */
  SAMSA_LAG_AUTO_OFFSET_RESET: z.enum(['earliest', 'latest']).default('earliest'),
  /** Assigned topics of one group looked up and measured per pass; more are that group's error. */
  SAMSA_LAG_MAX_ASSIGNED_TOPICS_PER_GROUP: z.coerce.number().int().min(1).max(100_000).default(1_000),
  SAMSA_LAG_WINDOW_SAMPLES: z.coerce.number().int().min(2).max(1000).optional(),
  SAMSA_LAG_STALLED_AFTER_MS: ms.optional(),
  SAMSA_LAG_STOPPED_AFTER_MS: ms.optional(),
  SAMSA_LAG_RAW_RETENTION_MS: ms.optional(),
  SAMSA_LAG_MINUTE_RETENTION_MS: ms.optional(),
  SAMSA_LAG_HOUR_RETENTION_MS: ms.optional(),
  /** JSON: {"<tenant id>" or "*": {"url": "...", "secret": "..."}}, for tenants without a webhook set in the console. */
  SAMSA_LAG_WEBHOOKS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      try {
        return WebhookConfigSchema.parse(JSON.parse(s));
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not a webhook map: ${(err as Error).message}` });
        return z.NEVER;
      }
    }),
  /** Also append webhook deliveries to this JSON-lines file. */
  SAMSA_LAG_DELIVERY_LOG: z.string().optional(),
});

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Builds (does not start) a LagService from `env`; throws a ZodError naming every bad variable. */
export function lagServiceFromEnv(
  db: Db,
  env: NodeJS.ProcessEnv = process.env,
  options: { logger?: Logger; admin?: KafkaGroupAdmin } = {},
): LagService {
  const e = LagEnvSchema.parse(env);
  const connection = clusterConnectionFromEnv(env, LAG_CLIENT_ID);
  return new LagService({
    db,
    logger: options.logger,
    // The collector's own request deadline (SAMSA_LAG_REQUEST_TIMEOUT_MS) applies, not the connection's default.
    kafka: {
      bootstrapBrokers: connection.bootstrapBrokers,
      clientId: connection.clientId,
      sasl: saslOptions(connection),
    },
    intervalMs: e.SAMSA_LAG_INTERVAL_MS,
    passTimeoutMs: e.SAMSA_LAG_PASS_TIMEOUT_MS,
    requestTimeoutMs: e.SAMSA_LAG_REQUEST_TIMEOUT_MS,
    offsetReset: e.SAMSA_LAG_AUTO_OFFSET_RESET,
    maxAssignedTopicsPerGroup: e.SAMSA_LAG_MAX_ASSIGNED_TOPICS_PER_GROUP,
    evaluation: defined({
      windowSamples: e.SAMSA_LAG_WINDOW_SAMPLES,
      stalledAfterMs: e.SAMSA_LAG_STALLED_AFTER_MS,
      stoppedAfterMs: e.SAMSA_LAG_STOPPED_AFTER_MS,
    }),
    retention: defined({
      rawRetentionMs: e.SAMSA_LAG_RAW_RETENTION_MS,
      minuteRetentionMs: e.SAMSA_LAG_MINUTE_RETENTION_MS,
      hourRetentionMs: e.SAMSA_LAG_HOUR_RETENTION_MS,
    }),
    // Each tenant's webhook from the console (TenantWebhook), else the static map from the environment.
    webhooks: {
      targets: dbWebhookTargets(db, e.SAMSA_LAG_WEBHOOKS ? staticWebhookTargets(e.SAMSA_LAG_WEBHOOKS) : null),
      log: e.SAMSA_LAG_DELIVERY_LOG ? new FileDeliveryLog(e.SAMSA_LAG_DELIVERY_LOG) : undefined,
      // Public addresses only, unless SAMSA_WEBHOOK_ALLOW_PRIVATE / SAMSA_WEBHOOK_ALLOWED_CIDRS say otherwise.
      destinations: webhookDestinationPolicyFromEnv(env),
    },
  });
}
