/** The overview pages' and traffic history's shapes, shared by the REST routes and the pages. */
import { z } from 'zod';
import { auditEntrySchema } from '../audit/schemas.ts';

export const TRAFFIC_WINDOWS = ['15m', '1h', '6h', '24h', '7d', '30d'] as const;
export const trafficWindowSchema = z.enum(TRAFFIC_WINDOWS);
export type TrafficWindow = z.infer<typeof trafficWindowSchema>;

export const trafficHistoryQuerySchema = z.object({
  window: trafficWindowSchema.default('1h'),
  topic: z.string().min(1).max(249).optional().describe("one topic's history (the tenant's name for it)"),
});

export const trafficPointSchema = z.object({
  /** Bucket start, ms since the epoch. */
  t: z.number(),
  produceBytesPerSec: z.number(),
  fetchBytesPerSec: z.number(),
  produceRecordsPerSec: z.number(),
  fetchRecordsPerSec: z.number(),
  /** Share of the bucket the tenant's clients were told to wait (0..1; tenant series only). */
  throttledShare: z.number(),
  /** Bytes on disk at the end of the bucket; null while unknown. */
  storageBytes: z.number().nullable(),
});
export type TrafficPoint = z.infer<typeof trafficPointSchema>;

export const chartMarkSchema = z.object({
  atMs: z.number(),
  /** `quota`: a quota change (audit entry); `throttle`: the start of a throttled period. */
  kind: z.enum(['quota', 'throttle']),
  label: z.string(),
  /** End of a throttled period. */
  untilMs: z.number().optional(),
});

export const trafficHistorySchema = z.object({
  window: trafficWindowSchema,
  resolution: z.enum(['RAW', 'MINUTE', 'HOUR']),
  fromMs: z.number(),
  toMs: z.number(),
  stepMs: z.number(),
  points: z.array(trafficPointSchema),
  marks: z.array(chartMarkSchema),
});
export type TrafficHistoryView = z.infer<typeof trafficHistorySchema>;

export const rankedTrafficSchema = z.object({
  /** Tenant slug (hub-wide lists) or topic name (a tenant's topics). */
  name: z.string(),
  tenant: z.string(),
  topic: z.string().nullable(),
  produceBytesPerSec: z.number(),
  fetchBytesPerSec: z.number(),
  produceRecordsPerSec: z.number(),
  fetchRecordsPerSec: z.number(),
  storageBytes: z.number().nullable(),
});
export type RankedTraffic = z.infer<typeof rankedTrafficSchema>;

export const attentionGroupSchema = z.object({
  tenant: z.string().nullable(),
  name: z.string(),
  status: z.string(),
  reason: z.string().nullable(),
  totalLag: z.number().nullable(),
});

export const healthCheckSchema = z.object({
  name: z.enum(['broker', 'database', 'lag_collector', 'processors']),
  status: z.enum(['ok', 'degraded', 'down', 'off']),
  /** Why it is not ok, in words; null when ok. */
  reason: z.string().nullable(),
  detail: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
});
export type HealthCheck = z.infer<typeof healthCheckSchema>;

export const platformOverviewSchema = z.object({
  health: z.array(healthCheckSchema),
  /** Hub-wide rates over the last 5 minutes and storage now. */
  totals: z.object({
    produceBytesPerSec: z.number(),
    fetchBytesPerSec: z.number(),
    produceRecordsPerSec: z.number(),
    fetchRecordsPerSec: z.number(),
    storageBytes: z.number(),
    tenants: z.number(),
  }),
  topTenantsByTraffic: z.array(rankedTrafficSchema),
  topTenantsByStorage: z.array(rankedTrafficSchema),
  topTopicsByTraffic: z.array(rankedTrafficSchema),
  topTopicsByStorage: z.array(rankedTrafficSchema),
  groupsNeedingAttention: z.array(attentionGroupSchema),
  recentAudit: z.array(auditEntrySchema),
});
export type PlatformOverview = z.infer<typeof platformOverviewSchema>;

export const quotaUsageSchema = z.object({
  key: z.string(),
  label: z.string(),
  unit: z.enum(['bytes', 'bytesPerSec', 'count']),
  used: z.number().nullable(),
  limit: z.number().nullable(),
});

export const tenantOverviewSchema = z.object({
  tenant: z.object({ slug: z.string(), displayName: z.string(), status: z.string() }),
  topicsByTraffic: z.array(rankedTrafficSchema),
  groupsNeedingAttention: z.array(attentionGroupSchema),
  quotaUsage: z.array(quotaUsageSchema),
  throttled: z.boolean(),
  /** Recent audit entries of the tenant; null for members (the audit log is for tenant admins). */
  recentChanges: z.array(auditEntrySchema).nullable(),
});
export type TenantOverview = z.infer<typeof tenantOverviewSchema>;
