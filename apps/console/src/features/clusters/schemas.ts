/** Managed Kafka clusters (issue 15): shared by the admin pages, /api/v1/clusters and the CLI's answers. */
import { z } from 'zod';

export const CLUSTER_STATUSES = ['healthy', 'drift_repaired', 'refusals', 'unreachable'] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];

/** Bounds of the loop's interval: not more often than every 5 s, at least once a day. */
export const RECONCILE_INTERVAL_MIN_MS = 5_000;
export const RECONCILE_INTERVAL_MAX_MS = 86_400_000;
export const RECONCILE_INTERVAL_DEFAULT_MS = 60_000;

export const clusterNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, '1–63 characters: lowercase letters, digits and dashes, starting with a letter');

const bootstrapSchema = z
  .array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'expected HOST:PORT'))
  .min(1, 'name at least one broker as HOST:PORT')
  .max(32, 'at most 32 bootstrap brokers');

const intervalSchema = z
  .number()
  .int()
  .min(RECONCILE_INTERVAL_MIN_MS)
  .max(RECONCILE_INTERVAL_MAX_MS)
  .describe('how often the loop reconciles, in milliseconds');

export const registerClusterSchema = z.object({
  name: clusterNameSchema,
  /** Brokers as HOST:PORT; a comma-separated string is accepted too (as forms and the CLI send it). */
  bootstrap: z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    bootstrapSchema,
  ),
  saslMechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']).default('SCRAM-SHA-512'),
  saslUsername: z.string().min(1).max(256),
  saslPassword: z.string().min(1).max(1024),
  reconcileIntervalMs: intervalSchema.default(RECONCILE_INTERVAL_DEFAULT_MS),
  paused: z.boolean().default(false),
});
export type RegisterClusterInput = z.infer<typeof registerClusterSchema>;

/** Credentials change together (they are checked against the cluster before they are stored). */
export const updateClusterSchema = z
  .object({
    saslMechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']).optional(),
    saslUsername: z.string().min(1).max(256).optional(),
    saslPassword: z.string().min(1).max(1024).optional(),
    reconcileIntervalMs: intervalSchema.optional(),
    paused: z.boolean().optional(),
  })
  .refine((u) => (u.saslUsername === undefined && u.saslMechanism === undefined) || u.saslPassword !== undefined, {
    message: 'a new username or mechanism needs the password too',
    path: ['saslPassword'],
  });
export type UpdateClusterInput = z.infer<typeof updateClusterSchema>;

export const reconcileNowSchema = z.object({ dryRun: z.boolean().default(false) });

const change = z.object({ tenant: z.string(), kind: z.string(), what: z.string() });

export const reconcileReportSchema = z.object({
  dryRun: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string(),
  created: z.array(change),
  repaired: z.array(change),
  deleted: z.array(change),
  errors: z.array(change.extend({ message: z.string() })),
  skipped: z.array(z.object({ tenant: z.string(), what: z.string(), reason: z.string() })),
});

export const reconcileRunSchema = z.object({
  id: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  trigger: z.enum(['loop', 'manual', 'change']),
  status: z.enum(CLUSTER_STATUSES),
  error: z.string().nullable(),
  counts: z.object({
    created: z.number(),
    repaired: z.number(),
    deleted: z.number(),
    refused: z.number(),
    skipped: z.number(),
  }),
  /** Drift and refusals in words, e.g. "ACL … deleted behind Samsa's back, re-created". */
  summary: z.array(z.string()),
});

export const clusterSchema = z.object({
  id: z.string(),
  name: z.string(),
  bootstrap: z.array(z.string()),
  security: z.literal('SASL_PLAINTEXT'),
  saslMechanism: z.string(),
  saslUsername: z.string(),
  paused: z.boolean(),
  reconcileIntervalMs: z.number(),
  createdAt: z.string(),
  createdBy: z.string(),
  lastReconcileAt: z.string().nullable(),
  status: z.enum(CLUSTER_STATUSES).nullable(),
  lastError: z.string().nullable(),
});

export const clusterDetailSchema = clusterSchema.extend({
  /** Brokers the last run saw (DescribeCluster), and tenants with topics under their prefix. */
  brokers: z.array(z.object({ id: z.number(), host: z.string(), port: z.number() })),
  tenants: z.array(z.object({ slug: z.string(), topics: z.number() })),
  reports: z.array(reconcileRunSchema),
});

export const tenantPlacementSchema = z.array(
  z.object({
    cluster: z.string(),
    bootstrap: z.array(z.string()),
    lastReconcileAt: z.string().nullable(),
    status: z.enum(CLUSTER_STATUSES).nullable(),
    items: z.array(
      z.object({
        what: z.string(),
        state: z.enum(['placed', 'pending', 'refused', 'skipped']),
        reason: z.string().nullable(),
      }),
    ),
  }),
);
