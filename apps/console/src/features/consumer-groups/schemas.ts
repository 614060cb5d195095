/**
 * Zod schemas of the consumer-group API: query strings and bodies the routes parse, and the shapes they answer,
 * shared by the route table (and so the OpenAPI document) and the console pages. No server imports: the pages
 * bundle this file.
 */
import { z } from 'zod';

export const GROUP_STATUSES = ['OK', 'WARNING', 'REWIND', 'STALLED', 'STOPPED', 'EMPTY', 'INACTIVE'] as const;
export const groupStatusSchema = z.enum(GROUP_STATUSES);
export type GroupStatusName = z.infer<typeof groupStatusSchema>;

/** Chart windows, as @samsa/lag's LAG_WINDOWS (a type check in service.ts keeps them equal). */
export const LAG_WINDOWS = ['15m', '1h', '6h', '24h', '7d', '30d'] as const;
export const lagWindowSchema = z.enum(LAG_WINDOWS);
export type LagWindowName = z.infer<typeof lagWindowSchema>;

export const GROUP_SORT_KEYS = ['status', 'groupId', 'totalLag', 'maxTimeLag', 'members'] as const;

export const groupListQuerySchema = z.object({
  /** Comma-separated statuses to keep, e.g. `WARNING,STALLED,STOPPED`. */
  status: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').filter(Boolean) : undefined))
    .pipe(z.array(groupStatusSchema).optional()),
  /** Case-insensitive substring of the group or one of its topics. */
  search: z.string().max(200).optional(),
  sortBy: z.enum(GROUP_SORT_KEYS).default('status'),
  order: z.enum(['asc', 'desc']).default('desc'),
  /** Total lag over the last hour per group (default true). */
  sparkline: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});
export type GroupListQuery = z.input<typeof groupListQuerySchema>;

const collectorSchema = z.object({
  intervalMs: z.number(),
  /** A pass running longer is abandoned and counted as failed (SAMSA_LAG_PASS_TIMEOUT_MS). */
  passTimeoutMs: z.number(),
  /** When the last completed pass started; null before the first one. */
  lastPassAtMs: z.number().nullable(),
  lastPassDurationMs: z.number().nullable(),
  /** The last pass's error (e.g. the broker is unreachable, or the pass timed out), or null once a pass succeeds. */
  lastError: z.string().nullable(),
  lastErrorAtMs: z.number().nullable(),
  passesOk: z.number(),
  passesFailed: z.number(),
  /** Groups of every tenant whose last pass had an error of their own: only in the platform admins' list. */
  groupsWithErrors: z.number().optional(),
});
export type CollectorView = z.infer<typeof collectorSchema>;

/** Why a group could not be (fully) read in the collector's last pass (e.g. a member's malformed bytes), or null. */
const groupErrorSchema = z.string().nullable();

export const groupListItemSchema = z.object({
  /** The name the tenant's clients use; the URL segment of the group page. */
  name: z.string(),
  /** The broker's name (`<tenant slug>.<name>`). */
  groupId: z.string(),
  tenant: z.string().nullable(),
  status: groupStatusSchema,
  reason: z.string(),
  state: z.string(),
  members: z.number(),
  topics: z.array(z.string()),
  totalLag: z.number(),
  maxTimeLagMs: z.number().nullable(),
  evaluatedAtMs: z.number(),
  error: groupErrorSchema,
  sparkline: z.array(z.object({ t: z.number(), lag: z.number() })),
});
export type GroupListItemView = z.infer<typeof groupListItemSchema>;

export const groupListSchema = z.object({ groups: z.array(groupListItemSchema), collector: collectorSchema });
export type GroupListView = z.infer<typeof groupListSchema>;

export const groupDetailSchema = z.object({
  name: z.string(),
  groupId: z.string(),
  status: groupStatusSchema,
  reason: z.string(),
  state: z.string(),
  totalLag: z.number(),
  maxTimeLagMs: z.number().nullable(),
  evaluatedAtMs: z.number(),
  error: groupErrorSchema,
  topics: z.array(z.string()),
  members: z.array(
    z.object({
      memberId: z.string(),
      clientId: z.string(),
      clientHost: z.string(),
      assignments: z.array(z.object({ topic: z.string(), partitions: z.array(z.number()) })),
    }),
  ),
  partitions: z.array(
    z.object({
      topic: z.string(),
      partition: z.number(),
      /** Null when the group has no committed offset on this partition (see `noCommittedOffset`). */
      committedOffset: z.number().nullable(),
      /**
       * The group has no committed offset here: its lag counts from the group's reset position (`positionOffset`:
       * the log start by default, SAMSA_LAG_AUTO_OFFSET_RESET), so unread messages are not left out.
       */
      noCommittedOffset: z.boolean(),
      /** Where the group reads next: the committed offset, or its reset position without one. */
      positionOffset: z.number(),
      logEndOffset: z.number(),
      lag: z.number(),
      timeLagMs: z.number().nullable(),
      status: z.string(),
      reason: z.string(),
      memberId: z.string().nullable(),
      clientId: z.string().nullable(),
    }),
  ),
  statusHistory: z.array(
    z.object({
      atMs: z.number(),
      from: groupStatusSchema.nullable(),
      to: groupStatusSchema,
      reason: z.string(),
      totalLag: z.number(),
    }),
  ),
  collector: collectorSchema,
});
export type GroupDetailView = z.infer<typeof groupDetailSchema>;

export const lagHistoryQuerySchema = z.object({
  window: lagWindowSchema.default('1h'),
  /** Only this topic (the tenant's name for it). */
  topic: z.string().min(1).optional(),
  maxPoints: z.coerce.number().int().min(10).max(2000).default(300),
});

const seriesPointSchema = z.object({ t: z.number(), lag: z.number(), timeLagMs: z.number().nullable() });
export const lagHistorySchema = z.object({
  name: z.string(),
  window: lagWindowSchema,
  resolution: z.enum(['raw', 'minute', 'hour']),
  fromMs: z.number(),
  toMs: z.number(),
  stepMs: z.number(),
  partitions: z.array(
    z.object({
      topic: z.string(),
      partition: z.number(),
      points: z.array(
        seriesPointSchema.extend({
          lagMin: z.number(),
          lagAvg: z.number(),
          /** Null while the group had no committed offset on the partition. */
          committedOffset: z.number().nullable(),
          logEndOffset: z.number(),
        }),
      ),
    }),
  ),
  topics: z.array(z.object({ topic: z.string(), points: z.array(seriesPointSchema) })),
  total: z.array(seriesPointSchema),
});
export type LagHistoryView = z.infer<typeof lagHistorySchema>;

export const resetOffsetsSchema = z
  .object({
    to: z.enum(['earliest', 'latest', 'timestamp', 'offset']),
    /** For `to: timestamp`: the first offset at or after this time (ms since the epoch). */
    timestampMs: z.number().int().nonnegative().optional(),
    /** For `to: offset`: this offset, clamped into each partition's range. */
    offset: z.number().int().nonnegative().optional(),
    /** Which topics (the tenant's names) and partitions; default every topic the group committed to. */
    topics: z
      .array(z.object({ topic: z.string().min(1), partitions: z.array(z.number().int().nonnegative()).optional() }))
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.to === 'timestamp' && v.timestampMs === undefined)
      ctx.addIssue({ code: 'custom', path: ['timestampMs'], message: 'A timestamp is required' });
    if (v.to === 'offset' && v.offset === undefined)
      ctx.addIssue({ code: 'custom', path: ['offset'], message: 'An offset is required' });
  });
export type ResetOffsetsInput = z.infer<typeof resetOffsetsSchema>;

export const resetPlanSchema = z.object({
  name: z.string(),
  state: z.string(),
  members: z.number(),
  executable: z.boolean(),
  blockedBecause: z.string().nullable(),
  rows: z.array(
    z.object({
      topic: z.string(),
      partition: z.number(),
      currentOffset: z.number().nullable(),
      newOffset: z.number(),
      logStartOffset: z.number(),
      logEndOffset: z.number(),
      currentLag: z.number().nullable(),
      newLag: z.number(),
    }),
  ),
  /** True in the answer of the execute call: the offsets were written. */
  applied: z.boolean(),
});
export type ResetPlanView = z.infer<typeof resetPlanSchema>;
