/** What a search looks for: a substring, an RE2 regular expression, a JSON field condition or a CEL expression. */
import { z } from 'zod';

export const matchFieldSchema = z
  .enum(['any', 'key', 'value', 'headers'])
  .default('any')
  .describe('where to look: the key, the value, header values, or any of them');

const jsonScalarSchema = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const searchMatchSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('contains'),
    text: z.string().min(1, 'Required').max(1000),
    field: matchFieldSchema,
    caseSensitive: z.boolean().default(false),
  }),
  z.object({
    kind: z.literal('regex'),
    pattern: z.string().min(1, 'Required').max(1000).describe('RE2 syntax (linear time: no backreferences)'),
    field: matchFieldSchema,
    caseSensitive: z.boolean().default(true),
  }),
  z.object({
    kind: z.literal('json'),
    path: z
      .string()
      .min(1, 'Required')
      .max(200)
      .describe('a field of the JSON value: `$.order.status`, `order.items[0].sku`'),
    op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists']),
    value: jsonScalarSchema.optional().describe('compared with the field (not needed for exists)'),
  }),
  z.object({
    kind: z.literal('cel'),
    expression: z
      .string()
      .min(1, 'Required')
      .max(2000)
      .describe(
        'a CEL expression returning bool over key, value (strings or null), json (the parsed value or null), headers (map), partition, offset, timestamp (epoch ms)',
      ),
  }),
]);
export type SearchMatch = z.infer<typeof searchMatchSchema>;
