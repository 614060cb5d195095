/**
 * Message search: the request (what to match, where to look, the budget) and the NDJSON events the search streams
 * back (started, progress, match, end); shared by the route, the page and the OpenAPI document.
 */
import { searchEndReasonSchema, searchMatchSchema } from '@samsa/search';
import { z } from 'zod';
import { renderedBytesSchema } from '../topics/schemas.ts';

export { type SearchEndReason, type SearchMatch, searchEndReasonSchema, searchMatchSchema } from '@samsa/search';

const offsetSchema = z.number().int().min(0);

export const searchRequestSchema = z
  .object({
    match: searchMatchSchema,
    partitions: z.array(offsetSchema).max(10_000).optional().describe('partitions to scan; all when omitted'),
    fromOffset: offsetSchema.optional().describe('first offset to scan in each partition'),
    toOffset: offsetSchema.optional().describe('last offset to scan in each partition (inclusive)'),
    fromTimestampMs: offsetSchema.optional().describe('epoch ms: records at or after it'),
    toTimestampMs: offsetSchema.optional().describe('epoch ms: records at or before it'),
    startOffsets: z
      .array(z.object({ partition: offsetSchema, offset: offsetSchema }))
      .max(10_000)
      .optional()
      .describe("where to start per partition (a budget-ended search's continueFrom), overriding fromOffset"),
    maxRecords: z.number().int().min(1).optional().describe('scan budget in records; default and maximum are settings'),
    maxMs: z.number().int().min(100).optional().describe('scan budget in ms; default and maximum are settings'),
    maxMatches: z.number().int().min(1).optional().describe('matches returned at most'),
  })
  .refine((r) => r.fromOffset === undefined || r.toOffset === undefined || r.fromOffset <= r.toOffset, {
    message: 'fromOffset must not be after toOffset',
    path: ['toOffset'],
  })
  .refine(
    (r) => r.fromTimestampMs === undefined || r.toTimestampMs === undefined || r.fromTimestampMs <= r.toTimestampMs,
    { message: 'fromTimestampMs must not be after toTimestampMs', path: ['toTimestampMs'] },
  );
export type SearchRequest = z.infer<typeof searchRequestSchema>;

export const partitionPositionSchema = z.object({
  partition: z.number(),
  /** The next offset the scan would read. */
  position: z.number(),
  /** Where the scan of this partition ends (exclusive). */
  end: z.number(),
});

export const searchMatchRecordSchema = z.object({
  partition: z.number(),
  offset: z.number(),
  timestamp: z.number(),
  key: renderedBytesSchema,
  value: renderedBytesSchema,
  headers: z.array(z.object({ key: z.string(), value: renderedBytesSchema })),
  /** The console page that opens the message browser at this record. */
  link: z.string(),
});
export type SearchMatchRecord = z.infer<typeof searchMatchRecordSchema>;

/** One line of the NDJSON stream. */
export const searchEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    searchId: z.string(),
    budget: z.object({ maxRecords: z.number(), maxMs: z.number(), maxMatches: z.number() }),
    partitions: z.array(partitionPositionSchema),
  }),
  z.object({
    type: z.literal('progress'),
    scanned: z.number(),
    matched: z.number(),
    elapsedMs: z.number(),
    partitions: z.array(partitionPositionSchema),
  }),
  z.object({ type: z.literal('match'), record: searchMatchRecordSchema }),
  z.object({
    type: z.literal('end'),
    reason: searchEndReasonSchema,
    /** Says plainly why the scan stopped and where. */
    message: z.string(),
    scanned: z.number(),
    matched: z.number(),
    /** Records whose CEL expression failed (counted as no match). */
    evaluationErrors: z.number(),
    elapsedMs: z.number(),
    partitions: z.array(partitionPositionSchema),
    /** When a budget or the match limit ended the scan: the `startOffsets` that continue it. */
    continueFrom: z.array(z.object({ partition: z.number(), offset: z.number() })).nullable(),
  }),
]);
export type SearchEvent = z.infer<typeof searchEventSchema>;
