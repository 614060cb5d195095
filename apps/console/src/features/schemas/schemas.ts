/**
 * Zod schemas of the Schemas API (a tenant's subjects in the schema registry, their versions, registration with the
 * compatibility check first, deletes and compatibility levels), shared by the route table (and so the OpenAPI
 * document), the page and `samsa schema`. No server imports: the page bundles this file.
 */
import { z } from 'zod';

export const SCHEMA_TYPES = ['AVRO', 'PROTOBUF', 'JSON'] as const;
export const COMPATIBILITY_LEVELS = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
] as const;
/** The registry refuses larger schemas (SAMSA_SCHEMA_REGISTRY_MAX_SCHEMA_BYTES' default); the console does first. */
export const SCHEMA_TEXT_MAX_BYTES = 1_048_576;
/** Registry calls the console makes at once for one page (a version or a subject's level each). */
export const REGISTRY_CALLS_CONCURRENCY = 8;

export const compatibilityLevelSchema = z.enum(COMPATIBILITY_LEVELS);
export type CompatibilityLevelView = z.infer<typeof compatibilityLevelSchema>;

/** A topic of the tenant that uses the subject by Kafka's TopicNameStrategy (`<topic>-key`, `<topic>-value`). */
export const subjectTopicSchema = z.object({ topic: z.string(), part: z.enum(['key', 'value']) });
export type SubjectTopicView = z.infer<typeof subjectTopicSchema>;

export const subjectSummarySchema = z.object({
  subject: z.string(),
  latestVersion: z.number(),
  /** The schema id of the latest version (ids are per tenant). */
  latestId: z.number(),
  schemaType: z.enum(SCHEMA_TYPES),
  /** The level in force: the subject's own, else the tenant's. */
  compatibility: compatibilityLevelSchema,
  /** Whether the subject has its own level (false: it follows the tenant's). */
  compatibilityOwn: z.boolean(),
  /** Soft-deleted: clients no longer see it; a permanent delete removes it. */
  deleted: z.boolean(),
  topics: z.array(subjectTopicSchema),
});
export type SubjectSummaryView = z.infer<typeof subjectSummarySchema>;

export const subjectListSchema = z.object({
  subjects: z.array(subjectSummarySchema),
  /** The tenant's level, which subjects without their own follow. */
  compatibility: compatibilityLevelSchema,
  /** Why the topics could not be read from the broker (subjects are listed without them); null when they were. */
  topicsError: z.string().nullable(),
});
export type SubjectListView = z.infer<typeof subjectListSchema>;

export const referenceSchema = z.object({
  name: z.string().min(1),
  subject: z.string().min(1),
  version: z.number().int().min(1),
});

export const schemaVersionSchema = z.object({
  subject: z.string(),
  version: z.number(),
  id: z.number(),
  schemaType: z.enum(SCHEMA_TYPES),
  schema: z.string(),
  references: z.array(referenceSchema),
  deleted: z.boolean(),
});
export type SchemaVersionView = z.infer<typeof schemaVersionSchema>;

export const subjectDetailSchema = subjectSummarySchema.omit({ latestVersion: true, latestId: true }).extend({
  /** Every version, oldest first, soft-deleted ones flagged. */
  versions: z.array(schemaVersionSchema),
  tenantCompatibility: compatibilityLevelSchema,
});
export type SubjectDetailView = z.infer<typeof subjectDetailSchema>;

export const newSchemaSchema = z.object({
  schema: z
    .string()
    .min(1, 'Paste the schema text')
    .refine((s) => new TextEncoder().encode(s).length <= SCHEMA_TEXT_MAX_BYTES, {
      message: `A schema is at most ${SCHEMA_TEXT_MAX_BYTES} bytes`,
    }),
  schemaType: z.enum(SCHEMA_TYPES).default('AVRO'),
  references: z.array(referenceSchema).max(1_000).default([]),
});
export type NewSchemaInput = z.input<typeof newSchemaSchema>;

export const compatibilityResultSchema = z.object({
  compatible: z.boolean(),
  /** The registry's reasons when it is not (empty when it is). */
  messages: z.array(z.string()),
  /** The level it was checked under (the subject's, else the tenant's). */
  compatibility: compatibilityLevelSchema,
  /** The versions the level checks against: none for a new subject. */
  checkedAgainst: z.array(z.number()),
});
export type CompatibilityResultView = z.infer<typeof compatibilityResultSchema>;

export const registeredSchema = z.object({
  subject: z.string(),
  id: z.number(),
  version: z.number(),
  /** False when the same schema was already the subject's (the registry answers its id again). */
  created: z.boolean(),
});
export type RegisteredView = z.infer<typeof registeredSchema>;

export const deleteQuerySchema = z.object({
  permanent: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
});

export const deletedSchema = z.object({ subject: z.string(), versions: z.array(z.number()), permanent: z.boolean() });
export type DeletedView = z.infer<typeof deletedSchema>;

/** null drops the subject's own level (it follows the tenant's again); not allowed for the tenant's level. */
export const setSubjectCompatibilitySchema = z.object({ compatibility: compatibilityLevelSchema.nullable() });
export const setTenantCompatibilitySchema = z.object({ compatibility: compatibilityLevelSchema });
export const subjectCompatibilitySchema = z.object({
  subject: z.string(),
  compatibility: compatibilityLevelSchema,
  compatibilityOwn: z.boolean(),
});
export const tenantCompatibilitySchema = z.object({ compatibility: compatibilityLevelSchema });
