/** Global search (Ctrl-K): one query over the tenants, topics, groups and processors the caller may see. */
import { z } from 'zod';

/** Most results one search returns (per call, all kinds together). */
export const GLOBAL_SEARCH_MAX_RESULTS = 50;

export const globalSearchQuerySchema = z.object({
  /** Case-insensitive substring of a name (tenant slug or display name, topic, group, processor); '' lists tenants. */
  q: z.string().trim().max(100, 'At most 100 characters').default(''),
  limit: z.coerce.number().int().min(1).max(GLOBAL_SEARCH_MAX_RESULTS).default(20),
});
export type GlobalSearchQuery = z.infer<typeof globalSearchQuerySchema>;

export const globalSearchKinds = ['tenant', 'topic', 'group', 'processor'] as const;
export type GlobalSearchKind = (typeof globalSearchKinds)[number];

export const globalSearchResultSchema = z.object({
  kind: z.enum(globalSearchKinds),
  /** The name users see: a tenant's display name, or the tenant-local name of a topic, group or processor. */
  name: z.string(),
  tenant: z.string(),
  /** The console page that shows it. */
  href: z.string(),
});
export type GlobalSearchResult = z.infer<typeof globalSearchResultSchema>;

export const globalSearchResponseSchema = z.object({
  results: z.array(globalSearchResultSchema),
  /** More matched than `limit`: the caller should type more. */
  truncated: z.boolean(),
  /** Kinds that could not be searched (e.g. the broker is unreachable), with the reason. */
  unavailable: z.array(z.object({ kind: z.enum(globalSearchKinds), reason: z.string() })),
});
export type GlobalSearchResponse = z.infer<typeof globalSearchResponseSchema>;
