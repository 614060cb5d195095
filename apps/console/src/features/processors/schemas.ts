/**
 * Processors: the request and response shapes of /api/v1/tenants/{tenant}/processors, shared by the console pages,
 * the route table (OpenAPI) and the CLI's expectations.
 *
 * Where this follows the shared design more precisely than it spelled out (names kept):
 * - Views spell enums as requests do: delivery 'at-least-once'|'exactly-once', onError 'dlq'|'skip'|'stop',
 *   language 'javascript'|'typescript', log level 'info'|'warn'|'error'; desiredState and status keep the stored
 *   values ('RUNNING'|'PAUSED'; 'PENDING'|'RUNNING'|'PAUSED'|'ERRORED'|'THROTTLED'), like a tenant's status.
 * - POST /{name}/test-run also takes `input` (a topic): a processor not created yet can be test-run (then `source`
 *   and `outputs` are required, and `input` for `lastN`). For an existing processor every field defaults to its
 *   active version (and its stored secrets are in ctx.env).
 * - Rates and lag are null while no processor host reports the processor (no live instance).
 */
import { PROCESSOR_NAME_PATTERN } from '@samsa/processors';
import { z } from 'zod';
import { topicNameSchema } from '../topics/schemas.ts';

export const SOURCE_BYTES_MAX = 256 * 1024;
export const ENV_ENTRIES_MAX = 50;
export const ENV_NAME_CHARS_MAX = 64;
export const ENV_VALUE_BYTES_MAX = 4096;
export const OUTPUTS_MAX = 32;
export const RETRIES_MAX = 100;
export const RETRY_BACKOFF_MS_MAX = 60_000;
export const COMMENT_CHARS_MAX = 500;
export const TEST_RUN_RECORD_BYTES_MAX = 1024 * 1024;
/** lastN of a test run; the console's SAMSA_TEST_RUN_MAX_RECORDS may lower it, never raise it. */
export const TEST_RUN_LAST_N_MAX = 100;

export const processorNameSchema = z
  .string()
  .regex(
    PROCESSOR_NAME_PATTERN,
    '1–63 characters: lowercase letters, digits and dashes, starting with a letter or digit',
  );

export const languageSchema = z.enum(['javascript', 'typescript']);
export const deliverySchema = z.enum(['at-least-once', 'exactly-once']);
export const errorPolicySchema = z.enum(['dlq', 'skip', 'stop']);

export const startPositionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('earliest') }),
  z.object({ kind: z.literal('latest') }),
  z.object({ kind: z.literal('timestamp'), timestampMs: z.number().int().min(0).describe('epoch ms') }),
  z.object({
    kind: z.literal('offset'),
    offset: z.number().int().min(0).describe('the same offset on every partition'),
  }),
  z.object({ kind: z.literal('committed').describe("keep the processor group's committed offsets") }),
]);

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const envName = z
  .string()
  .max(ENV_NAME_CHARS_MAX, `At most ${ENV_NAME_CHARS_MAX} characters`)
  .regex(ENV_NAME, 'Upper-case letters, digits and underscores, not starting with a digit');
const envValue = z
  .string()
  .refine((v) => Buffer.byteLength(v, 'utf8') <= ENV_VALUE_BYTES_MAX, `At most ${ENV_VALUE_BYTES_MAX} bytes`);

function boundedRecord<V extends z.ZodType>(value: V) {
  return z
    .record(envName, value)
    .refine((r) => Object.keys(r).length <= ENV_ENTRIES_MAX, `At most ${ENV_ENTRIES_MAX} entries`);
}

const sourceSchema = z
  .string()
  .min(1, 'Required')
  .refine((s) => Buffer.byteLength(s, 'utf8') <= SOURCE_BYTES_MAX, `At most ${SOURCE_BYTES_MAX} bytes (256 KiB)`);

const outputsSchema = z
  .array(topicNameSchema)
  .min(1, 'At least one output topic')
  .max(OUTPUTS_MAX, `At most ${OUTPUTS_MAX} output topics`)
  .refine((o) => new Set(o).size === o.length, 'An output topic is listed twice');

/** The fields of a deploy (create or update), without the name. */
const deployFields = {
  input: topicNameSchema,
  outputs: outputsSchema,
  source: sourceSchema,
  language: languageSchema,
  delivery: deliverySchema.default('at-least-once'),
  onError: errorPolicySchema.default('dlq'),
  retries: z.number().int().min(0).max(RETRIES_MAX).default(3),
  retryBackoffMs: z.number().int().min(0).max(RETRY_BACKOFF_MS_MAX).default(100),
  dlqTopic: topicNameSchema.optional().describe('default `<name>-dlq`; created when missing (onError dlq only)'),
  env: boundedRecord(envValue).default({}),
  comment: z.string().max(COMMENT_CHARS_MAX).default(''),
};

function crossFieldChecks(
  v: {
    input: string;
    outputs: string[];
    dlqTopic?: string | undefined;
    env: Record<string, string>;
    secrets: Record<string, string | null>;
  },
  ctx: z.RefinementCtx,
) {
  const both = Object.keys(v.env).filter((n) => v.secrets[n] !== undefined && v.secrets[n] !== null);
  if (both.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['secrets'],
      message: `${both.join(', ')} is both a plain value and a secret: ctx.env has one name for each`,
    });
  }
  if (v.outputs.includes(v.input)) {
    ctx.addIssue({ code: 'custom', path: ['outputs'], message: 'The input topic cannot also be an output' });
  }
  if (v.dlqTopic !== undefined && (v.dlqTopic === v.input || v.outputs.includes(v.dlqTopic))) {
    ctx.addIssue({
      code: 'custom',
      path: ['dlqTopic'],
      message: 'The DLQ topic must differ from the input and outputs',
    });
  }
}

export const createProcessorSchema = z
  .object({
    name: processorNameSchema,
    ...deployFields,
    from: startPositionSchema.default({ kind: 'earliest' }),
    secrets: boundedRecord(envValue).default({}),
  })
  .superRefine(crossFieldChecks);
export type CreateProcessorInput = z.infer<typeof createProcessorSchema>;

export const updateProcessorSchema = z
  .object({
    ...deployFields,
    from: startPositionSchema.default({ kind: 'committed' }),
    secrets: boundedRecord(envValue.nullable())
      .default({})
      .describe('a value sets the secret, null removes it, a name left out keeps it'),
  })
  .superRefine(crossFieldChecks);
export type UpdateProcessorInput = z.infer<typeof updateProcessorSchema>;

export const rollbackSchema = z.object({
  version: z.number().int().min(1).optional().describe('default: the version deployed before the current one'),
  from: startPositionSchema.default({ kind: 'committed' }),
});

export const deploySchema = z.object({ version: z.number().int().min(1), from: startPositionSchema });

const testRecordSchema = z.object({
  key: z.string().nullable().optional(),
  value: z
    .union([z.string(), z.null(), z.json()])
    .describe('text, or any JSON value (sent as its JSON text)')
    .refine(
      (v) =>
        v === null || Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v)) <= TEST_RUN_RECORD_BYTES_MAX,
      'At most 1 MiB',
    ),
  headers: z.record(z.string(), z.string()).optional(),
  timestamp: z.number().int().min(0).optional().describe('epoch ms; default now'),
});
export type TestRecordInput = z.infer<typeof testRecordSchema>;

export const testRunSchema = z
  .object({
    input: topicNameSchema.optional(),
    source: sourceSchema.optional(),
    language: languageSchema.optional(),
    outputs: outputsSchema.optional(),
    env: boundedRecord(envValue).optional(),
    records: z.array(testRecordSchema).min(1).max(TEST_RUN_LAST_N_MAX).optional(),
    lastN: z.number().int().min(1).max(TEST_RUN_LAST_N_MAX).optional(),
  })
  .refine((v) => (v.records === undefined) !== (v.lastN === undefined), {
    message: 'Give either records or lastN',
    path: ['records'],
  });
export type TestRunInput = z.infer<typeof testRunSchema>;

export const logsQuerySchema = z.object({
  after: z.coerce.number().int().min(0).optional().describe('only lines with a larger id (polling)'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const metricsWindows = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000 };
export const metricsQuerySchema = z.object({ window: z.enum(['15m', '1h', '6h', '24h']).default('1h') });

const nullableNumber = z.number().nullable();

export const processorSummarySchema = z.object({
  name: z.string(),
  desiredState: z.enum(['RUNNING', 'PAUSED']),
  status: z.enum(['PENDING', 'RUNNING', 'PAUSED', 'ERRORED', 'THROTTLED']),
  statusReason: z.string().nullable(),
  version: z.number(),
  inputTopic: z.string(),
  outputTopics: z.array(z.string()),
  delivery: deliverySchema,
  lagRecords: nullableNumber,
  inPerSec: nullableNumber,
  outPerSec: nullableNumber,
  errorPerSec: nullableNumber,
  updatedAt: z.string(),
});

export const processorVersionViewSchema = z.object({
  version: z.number(),
  inputTopic: z.string(),
  outputTopics: z.array(z.string()),
  dlqTopic: z.string().nullable(),
  language: languageSchema,
  source: z.string(),
  settings: z.object({
    delivery: deliverySchema,
    onError: errorPolicySchema,
    retries: z.number(),
    retryBackoffMs: z.number(),
  }),
  env: z.record(z.string(), z.string()),
  /** Names only: a secret's value is never returned. */
  secretNames: z.array(z.string()),
  comment: z.string(),
  createdAt: z.string(),
  createdByEmail: z.string(),
});

const statsSchema = z.object({
  inRecords: z.number(),
  outRecords: z.number(),
  drops: z.number(),
  errors: z.number(),
  dlq: z.number(),
  recordsPerSecIn: z.number(),
  recordsPerSecOut: z.number(),
  errorsPerSec: z.number(),
  p50Ms: nullableNumber,
  p99Ms: nullableNumber,
  cpuMsPerSec: z.number(),
  memoryBytes: z.number(),
  memoryLimitBytes: nullableNumber,
  lagRecords: z.number(),
});

export const processorDetailSchema = processorSummarySchema.omit({ version: true }).extend({
  id: z.string(),
  createdAt: z.string(),
  /** In the detail, the active version itself (its number is version.version). */
  version: processorVersionViewSchema,
  lastError: z.unknown().nullable(),
  instances: z.array(
    z.object({ hostId: z.string(), partitions: z.array(z.number()), heartbeatAt: z.string(), stats: z.unknown() }),
  ),
  limits: z.object({ memoryMb: z.number(), cpuMsPerSec: z.number() }),
  /** Summed over live instances; null while none reports. */
  stats: statsSchema.nullable(),
  dlqTopic: z.string().nullable(),
  groupId: z.string(),
  activeDeployment: z
    .object({
      action: z.string(),
      version: z.number(),
      startFrom: z.unknown(),
      at: z.string(),
      appliedAt: z.string().nullable(),
    })
    .nullable(),
});

export const processorListSchema = z.object({ processors: z.array(processorSummarySchema) });

export const versionsSchema = z.object({
  versions: z.array(
    z.object({
      version: z.number(),
      createdAt: z.string(),
      createdByEmail: z.string(),
      comment: z.string(),
      delivery: deliverySchema,
      errorPolicy: errorPolicySchema,
      deployedAt: z.array(z.string()),
    }),
  ),
  deployments: z.array(
    z.object({
      action: z.enum(['create', 'update', 'rollback', 'redeploy']),
      version: z.number(),
      startFrom: z.unknown(),
      at: z.string(),
      byEmail: z.string(),
      appliedAt: z.string().nullable(),
    }),
  ),
});

export const logsSchema = z.object({
  logs: z.array(
    z.object({
      id: z.number(),
      at: z.string(),
      level: z.enum(['info', 'warn', 'error']),
      message: z.string(),
      version: nullableNumber,
      partition: nullableNumber,
      offset: nullableNumber,
    }),
  ),
});

export const metricsSchema = z.object({
  series: z.array(
    z.object({
      at: z.string(),
      inPerSec: z.number(),
      outPerSec: z.number(),
      errorPerSec: z.number(),
      dropRatio: z.number(),
      lagRecords: z.number(),
      lagSeconds: nullableNumber,
      p50Ms: nullableNumber,
      p99Ms: nullableNumber,
      cpuMsPerSec: z.number(),
      memoryBytes: z.number(),
    }),
  ),
  current: statsSchema.nullable(),
});

export const redriveSchema = z.object({ redriveId: z.string() });

/** Bytes as the sandbox shows them: text when valid UTF-8, else base64; null for a null key or value. */
const bytesViewSchema = z.object({ encoding: z.enum(['text', 'base64']), data: z.string() }).nullable();
const headerViewSchema = z.array(z.object({ name: z.string(), value: bytesViewSchema }));

export const testRunResultSchema = z.object({
  results: z.array(
    z.object({
      input: z.object({
        partition: z.number(),
        offset: z.string().describe('decimal: offsets are 64-bit'),
        key: bytesViewSchema,
        value: bytesViewSchema,
        headers: headerViewSchema,
        timestampMs: z.number(),
      }),
      outputs: z.array(
        z.object({ topic: z.string(), key: bytesViewSchema, value: bytesViewSchema, headers: headerViewSchema }),
      ),
      dropped: z.boolean(),
      error: z
        .object({
          kind: z.enum(['thrown', 'timeout', 'memory', 'bad-output', 'compile']),
          message: z.string(),
          stack: z.string().optional(),
        })
        .optional(),
      logs: z.array(z.object({ level: z.enum(['info', 'warn', 'error']), message: z.string(), atMs: z.number() })),
      durationMs: z.number(),
    }),
  ),
  summary: z.object({
    records: z.number(),
    outputsByTopic: z.record(z.string(), z.number()),
    dropped: z.number(),
    errors: z.number(),
  }),
});
