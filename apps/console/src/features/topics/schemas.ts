/** Topics: name rules, create/edit forms, message browsing and producing; shared by the UI and /api/v1. */
import { z } from 'zod';

export const topicNameSchema = z
  .string()
  .min(1, 'Required')
  .max(200, 'At most 200 characters')
  .regex(/^[a-zA-Z0-9._-]+$/, 'Only letters, digits, dots, underscores and dashes')
  .refine((s) => s !== '.' && s !== '..', 'Cannot be "." or ".."')
  .refine((s) => !s.startsWith('__'), 'Names starting with "__" are reserved');

export const cleanupPolicySchema = z.enum(['delete', 'compact', 'compact,delete']);

export const topicConfigSchema = z.object({
  retentionMs: z.number().int().min(-1).optional().describe('retention.ms; -1 keeps forever'),
  retentionBytes: z.number().int().min(-1).optional().describe('retention.bytes per partition; -1 = no limit'),
  cleanupPolicy: cleanupPolicySchema.optional().describe('cleanup.policy'),
  maxMessageBytes: z
    .number()
    .int()
    .min(1)
    .max(100 * 1024 * 1024)
    .optional()
    .describe('max.message.bytes'),
});
export type TopicConfigInput = z.infer<typeof topicConfigSchema>;

export const createTopicSchema = z.object({
  name: topicNameSchema,
  partitions: z.number().int().min(1, 'At least 1').max(1000, 'At most 1000').default(1),
  ...topicConfigSchema.shape,
  description: z.string().max(1000).default(''),
  ownerTeam: z.string().max(100).default(''),
  tags: z.array(z.string().min(1).max(50)).max(20).default([]),
});
export type CreateTopicInput = z.infer<typeof createTopicSchema>;

export const updateTopicSchema = z.object({
  description: z.string().max(1000).optional(),
  ownerTeam: z.string().max(100).optional(),
  tags: z.array(z.string().min(1).max(50)).max(20).optional(),
  partitions: z.number().int().min(1).max(1000).optional().describe('new total; can only grow'),
  configs: topicConfigSchema.optional(),
});
export type UpdateTopicInput = z.infer<typeof updateTopicSchema>;

export const browseQuerySchema = z.object({
  partition: z.coerce.number().int().min(0).default(0),
  offset: z.coerce.number().int().min(0).optional(),
  timestamp: z.coerce.number().int().min(0).optional().describe('epoch ms; first message at or after it'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/**
 * A record's key, value or header as the console shows it: plain bytes as text, JSON or hex; or, for bytes with
 * the schema registry's wire header, the value decoded with the tenant's schema (its subject, version and id, the
 * raw bytes in hex), or the hex with the reason it did not decode.
 */
export const renderedBytesSchema = z.union([
  z.object({
    encoding: z.enum(['avro', 'protobuf', 'json-schema']),
    subject: z.string().nullable().describe('the subject whose version holds the schema; null when none does'),
    version: z.number().nullable(),
    schemaId: z.number(),
    message: z.string().optional().describe('Protobuf: the full name of the message'),
    text: z.string().describe('the decoded value as pretty JSON (64-bit integers exact)'),
    raw: z.string().describe('the bytes as hex, wire header included'),
    /** Cut to a preview (search results): the record in the message browser has all of it. */
    truncated: z.boolean().optional(),
  }),
  z.object({
    encoding: z.enum(['utf8', 'json', 'hex', 'null']),
    text: z.string().nullable(),
    /** The id in the wire header of bytes that did not decode. */
    schemaId: z.number().optional(),
    /** Why bytes with the wire header did not decode (unknown id, not of that schema). */
    decodeError: z.string().optional(),
    truncated: z.boolean().optional(),
  }),
]);
export type RenderedBytes = z.infer<typeof renderedBytesSchema>;

const topicSubjectSchema = z
  .object({
    subject: z.string(),
    version: z.number().describe('the latest version'),
    schemaId: z.number(),
    schemaType: z.enum(['AVRO', 'PROTOBUF', 'JSON']),
  })
  .nullable()
  .describe('null when no such subject is registered');

/** The topic's key and value subjects (TopicNameStrategy: `<topic>-key`, `<topic>-value`). */
export const topicSubjectsSchema = z.object({
  key: topicSubjectSchema,
  value: topicSubjectSchema,
  /** Why the schema registry could not be asked; null when it answered. */
  registryError: z.string().nullable(),
});
export type TopicSubjectsView = z.infer<typeof topicSubjectsSchema>;

export const produceSchema = z.object({
  partition: z.number().int().min(0).optional(),
  key: z.string().max(10_000).nullable().optional(),
  value: z.string().max(1_000_000),
  headers: z.record(z.string(), z.string()).optional(),
});

export function toBrokerConfigs(c: TopicConfigInput): Record<string, string> {
  const out: Record<string, string> = {};
  if (c.retentionMs !== undefined) out['retention.ms'] = String(c.retentionMs);
  if (c.retentionBytes !== undefined) out['retention.bytes'] = String(c.retentionBytes);
  if (c.cleanupPolicy !== undefined) out['cleanup.policy'] = c.cleanupPolicy;
  if (c.maxMessageBytes !== undefined) out['max.message.bytes'] = String(c.maxMessageBytes);
  return out;
}

/**
 * The log cleaner's figures of a compacted topic, as the broker's traffic reporter last wrote them (when they change,
 * at least once a minute). Null on a topic whose cleanup.policy has no `compact`.
 */
export const compactionSchema = z.object({
  /** The highest dirty ratio of its partitions (dirty bytes / cleanable bytes); null before the broker reported. */
  dirtyRatio: z.number().nullable(),
  /** min.cleanable.dirty.ratio: a partition is cleaned once its dirty ratio reaches it. */
  minCleanableDirtyRatio: z.number().nullable(),
  /** The most recent clean among its partitions; null when none is known yet. */
  lastClean: z
    .object({
      partition: z.number(),
      atMs: z.number(),
      durationMs: z.number(),
      bytesBefore: z.number(),
      bytesAfter: z.number(),
    })
    .nullable(),
  partitions: z.array(
    z.object({
      partition: z.number(),
      dirtyRatio: z.number(),
      lastCleanAtMs: z.number().nullable(),
      lastCleanDurationMs: z.number().nullable(),
      lastCleanBytesBefore: z.number().nullable(),
      lastCleanBytesAfter: z.number().nullable(),
      reportedAtMs: z.number(),
    }),
  ),
});
export type CompactionView = z.infer<typeof compactionSchema>;
