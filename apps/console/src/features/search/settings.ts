/**
 * Operator settings of message search, from the environment, with units in their names: the scan budget (records
 * and ms: a default and a maximum each), matches returned, searches running at once (per tenant and in total), and
 * the bytes of one fetch.
 */
import { z } from 'zod';

const int = (min: number, max: number, dflt: number) => z.coerce.number().int().min(min).max(max).default(dflt);

export const searchSettingsSchema = z
  .object({
    /** SAMSA_SEARCH_DEFAULT_RECORDS: records scanned when the request names no budget. */
    defaultRecords: int(1, 1_000_000_000, 1_000_000),
    /** SAMSA_SEARCH_MAX_RECORDS: the largest records budget a request may ask for. */
    maxRecords: int(1, 1_000_000_000, 10_000_000),
    /** SAMSA_SEARCH_DEFAULT_MS: scan time when the request names none. */
    defaultMs: int(100, 3_600_000, 30_000),
    /** SAMSA_SEARCH_MAX_MS: the longest scan a request may ask for. */
    maxMs: int(100, 3_600_000, 120_000),
    /** SAMSA_SEARCH_MAX_MATCHES: matches one search returns at most (also the default). */
    maxMatches: int(1, 100_000, 500),
    /** SAMSA_SEARCH_MAX_PER_TENANT: searches of one tenant running at once. */
    maxPerTenant: int(1, 1_000, 2),
    /** SAMSA_SEARCH_MAX_TOTAL: searches running at once in this console. */
    maxTotal: int(1, 10_000, 8),
    /** SAMSA_SEARCH_FETCH_MAX_BYTES: bytes one fetch of a partition returns at most. */
    fetchMaxBytes: int(1024, 64 * 1024 * 1024, 1024 * 1024),
  })
  .refine((s) => s.defaultRecords <= s.maxRecords, 'SAMSA_SEARCH_DEFAULT_RECORDS exceeds SAMSA_SEARCH_MAX_RECORDS')
  .refine((s) => s.defaultMs <= s.maxMs, 'SAMSA_SEARCH_DEFAULT_MS exceeds SAMSA_SEARCH_MAX_MS');
export type SearchSettings = z.infer<typeof searchSettingsSchema>;

export function searchSettingsFromEnv(env: Record<string, string | undefined> = process.env): SearchSettings {
  const v = (name: string) => env[name] || undefined;
  return searchSettingsSchema.parse({
    defaultRecords: v('SAMSA_SEARCH_DEFAULT_RECORDS'),
    maxRecords: v('SAMSA_SEARCH_MAX_RECORDS'),
    defaultMs: v('SAMSA_SEARCH_DEFAULT_MS'),
    maxMs: v('SAMSA_SEARCH_MAX_MS'),
    maxMatches: v('SAMSA_SEARCH_MAX_MATCHES'),
    maxPerTenant: v('SAMSA_SEARCH_MAX_PER_TENANT'),
    maxTotal: v('SAMSA_SEARCH_MAX_TOTAL'),
    fetchMaxBytes: v('SAMSA_SEARCH_FETCH_MAX_BYTES'),
  });
}
