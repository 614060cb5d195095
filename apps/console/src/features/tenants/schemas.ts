/** Tenants and their quotas: shared by the admin forms and /api/v1/tenants. */
import { z } from 'zod';

export const tenantSlugSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/,
    '3–32 characters: lowercase letters, digits and dashes, starting with a letter',
  );

const limit = (what: string) =>
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable().optional().describe(`${what}; null = unlimited`);

/** A limit the broker always applies: null means its per-tenant default (a broker flag), never unlimited. */
const brokerDefaulted = (what: string, brokerDefault: number) =>
  z
    .number()
    .int()
    .positive()
    .max(2_147_483_647)
    .nullable()
    .optional()
    .describe(`${what}; null = the broker's per-tenant default (${brokerDefault} unless the operator changed it)`);

/** A processor limit: null means the hub's default (a console/host setting), never unlimited. */
const hubDefaulted = (what: string, hubDefault: string, min = 1, max = 2_147_483_647) =>
  z
    .number()
    .int()
    .min(min)
    .max(max)
    .nullable()
    .optional()
    .describe(`${what}; null = the hub's default (${hubDefault})`);

export const quotaSchema = z.object({
  produceBytesPerSec: limit('produce bytes per second'),
  fetchBytesPerSec: limit('fetch bytes per second'),
  storageBytes: limit('stored bytes across all topics'),
  maxTopics: limit('number of topics'),
  maxPartitions: limit('number of partitions across all topics'),
  maxConnections: limit('concurrent client connections'),
  requestPercentage: z
    .number()
    .int()
    .min(1)
    .max(10000)
    .nullable()
    .optional()
    .describe('request time, % of one broker thread; null = unlimited'),
  maxGroups: brokerDefaulted('consumer groups', 1000),
  maxCommittedOffsets: brokerDefaulted('committed offsets (group, topic, partition)', 100_000),
  maxTransactionalIds: brokerDefaulted('transactional ids (each with at most one open transaction)', 1000),
  maxProcessors: hubDefaulted('processors', 'SAMSA_MAX_PROCESSORS_PER_TENANT, 20'),
  processorMemoryMb: hubDefaulted(
    'memory of each processor sandbox, MiB (8 to 4096)',
    'SAMSA_PROCESSOR_MEMORY_MB, 64',
    8,
    4096,
  ),
  processorCpuMsPerSec: hubDefaulted(
    "CPU all the tenant's processors may use, ms per second",
    'SAMSA_PROCESSOR_CPU_MS_PER_SEC, 1000',
  ),
  maxSchemaSubjects: hubDefaulted(
    'subjects in the schema registry, soft-deleted included',
    'SAMSA_SCHEMA_REGISTRY_MAX_SUBJECTS, 1000',
  ),
  maxSchemaVersions: hubDefaulted(
    'schema versions in the schema registry, soft-deleted included',
    'SAMSA_SCHEMA_REGISTRY_MAX_VERSIONS, 10000',
  ),
});
export type QuotaInput = z.infer<typeof quotaSchema>;

export const QUOTA_LABELS: Record<keyof QuotaInput, string> = {
  produceBytesPerSec: 'produce bytes/s',
  fetchBytesPerSec: 'fetch bytes/s',
  storageBytes: 'storage bytes',
  maxTopics: 'max topics',
  maxPartitions: 'max partitions',
  maxConnections: 'max connections',
  requestPercentage: 'request rate (%)',
  maxGroups: 'max consumer groups',
  maxCommittedOffsets: 'max committed offsets',
  maxTransactionalIds: 'max transactional ids',
  maxProcessors: 'max processors',
  processorMemoryMb: 'processor memory (MiB)',
  processorCpuMsPerSec: 'processor CPU (ms/s)',
  maxSchemaSubjects: 'max schema subjects',
  maxSchemaVersions: 'max schema versions',
};

/** What an empty quota field means: most limits are off; these fall back to the broker's finite default. */
export const QUOTA_EMPTY_MEANS: Partial<Record<keyof QuotaInput, string>> = {
  maxGroups: 'broker default (1000)',
  maxCommittedOffsets: 'broker default (100000)',
  maxTransactionalIds: 'broker default (1000)',
  maxProcessors: 'hub default (20)',
  processorMemoryMb: 'hub default (64)',
  processorCpuMsPerSec: 'hub default (1000)',
  maxSchemaSubjects: 'hub default (1000)',
  maxSchemaVersions: 'hub default (10000)',
};

export const createTenantSchema = z.object({
  slug: tenantSlugSchema,
  displayName: z.string().trim().min(1, 'Required').max(100),
  plan: z.string().trim().min(1).max(40).default('free'),
  quota: quotaSchema.optional(),
});
export type CreateTenantInput = z.infer<typeof createTenantSchema>;

export const updateTenantSchema = z.object({
  displayName: z.string().trim().min(1, 'Required').max(100).optional(),
  plan: z.string().trim().min(1).max(40).optional(),
  status: z.enum(['ACTIVE', 'SUSPENDED']).optional(),
});
export type UpdateTenantInput = z.infer<typeof updateTenantSchema>;

export const tenantSchema = z.object({
  id: z.string(),
  slug: z.string(),
  displayName: z.string(),
  /** DELETING: its deletion is running (see /tenant-deletions); the slug is free once it has finished. */
  status: z.enum(['ACTIVE', 'SUSPENDED', 'DELETING']),
  plan: z.string(),
  createdAt: z.string(),
  role: z.enum(['member', 'admin', 'platform_admin']).optional(),
  usage: z
    .object({
      /** Topics and partitions in the tenant's namespace on the broker; null while the broker cannot be asked. */
      topics: z.number().nullable(),
      partitions: z.number().nullable(),
      /** Bytes on disk of all the tenant's topics; null while the broker cannot be asked. */
      storageBytes: z.number().nullable(),
      /** Messages retained in all its topics (the console derives a message rate from two polls). */
      messages: z.number().nullable(),
    })
    .optional(),
  quota: quotaSchema.optional(),
});

const removedSchema = z.object({
  topics: z.number(),
  partitions: z.number(),
  groups: z.number(),
  members: z.number(),
  offsets: z.number(),
  serviceAccounts: z.number(),
  apiKeys: z.number(),
  aclBindings: z.number(),
  memberships: z.number(),
  lagSamples: z.number(),
  lagRollups: z.number(),
  webhooks: z.number(),
  processors: z.number(),
});

/** A tenant's deletion: `deleting` while the job runs (it is retried after a failure), then `deleted`. */
export const tenantDeletionSchema = z.object({
  id: z.string(),
  slug: z.string(),
  state: z.enum(['deleting', 'deleted']),
  requestedBy: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  attempts: z.number(),
  /** Why the last run failed (it will be retried), or null. */
  lastError: z.string().nullable(),
  /** What was removed so far: broker objects and Postgres rows. */
  removed: removedSchema,
});

export const tenantDeletionsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/** What the broker last reported of a tenant's traffic (TenantTraffic), as rates. */
export const trafficSchema = z.object({
  /** When the broker wrote it; null if it never has (no traffic since the tenant was created). */
  reportedAt: z.string().nullable(),
  /** True when the last report is older than a few report intervals: the figures are not current. */
  stale: z.boolean(),
  produceBytesPerSec: z.number(),
  fetchBytesPerSec: z.number(),
  /** Share of the window the tenant's producers (consumers) were told to wait, 0 to 1. */
  produceThrottledShare: z.number(),
  fetchThrottledShare: z.number(),
  throttled: z.boolean(),
  connections: z.number(),
});
