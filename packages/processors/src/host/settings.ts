/**
 * The processor host's operator settings, read once from the environment with zod. Every queue, wait and scan of
 * the host is bounded by one of these; names carry their units.
 */
import { z } from 'zod';

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const hostSettingsSchema = z.object({
  /** SAMSA_PROCESSORS_POLL_MS: how often the reconciler reads the control plane's tables. */
  pollMs: int(50, 60_000, 1_000),
  /** SAMSA_PROCESSOR_LOG_LINES: log lines kept per processor (the newest). */
  logLines: int(10, 100_000, 1_000),
  /** SAMSA_PROCESSORS_MAX_TASKS: input partitions this host processes at once, over all processors. */
  maxTasks: int(1, 100_000, 256),
  /** SAMSA_PROCESSOR_MEMORY_MB: heap limit of a sandbox when the tenant's quota has none. */
  defaultMemoryMb: int(8, 4_096, 64),
  /** SAMSA_PROCESSOR_CPU_MS_PER_SEC: CPU a tenant's processors on this host may use when its quota has none. */
  defaultCpuMsPerSec: int(1, 64_000, 1_000),
  /**
   * SAMSA_PROCESSOR_CPU_MS_PER_CALL: time one call into a sandbox may take before it is stopped (timeout); the
   * record running then gets it whole, alone. A fault ends the call, so a looping function is reported (status
   * ERRORED, or its record in the DLQ) about this long after its record started: 300 ms leaves room within a second.
   */
  cpuMsPerCall: int(10, 60_000, 300),
  /** SAMSA_PROCESSORS_BATCH_RECORDS: records one task gives its sandbox per call. */
  batchMaxRecords: int(1, 10_000, 500),
  /** SAMSA_PROCESSORS_FETCH_MAX_BYTES: bytes one fetch of a processor's input may return. */
  fetchMaxBytes: int(1_024, 256 * 1_048_576, 4 * 1_048_576),
  /** SAMSA_PROCESSORS_QUEUE_RECORDS: records fetched and waiting per processor before fetching pauses. */
  queueMaxRecords: int(1, 1_000_000, 5_000),
  /** SAMSA_PROCESSORS_STATUS_INTERVAL_MS: how often instances, status and logs are written. */
  statusIntervalMs: int(100, 60_000, 2_000),
  /** SAMSA_PROCESSORS_SAMPLE_INTERVAL_MS: how often a metric sample is written per processor. */
  sampleIntervalMs: int(500, 600_000, 10_000),
  /** SAMSA_PROCESSORS_FENCE_SCAN_MAX_BYTES: output bytes an exactly-once task reads at assignment. */
  fenceScanMaxBytes: int(1_024, 4_096 * 1_048_576, 256 * 1_048_576),
  /** SAMSA_PROCESSORS_FENCE_SCAN_TIMEOUT_MS: time that scan may take. */
  fenceScanTimeoutMs: int(100, 600_000, 60_000),
  /** SAMSA_PROCESSORS_SESSION_TIMEOUT_MS: group session timeout (a dead host's partitions move after it). */
  sessionTimeoutMs: int(1_000, 300_000, 10_000),
  /** SAMSA_PROCESSORS_MAX_RETRY_BACKOFF_MS: the cap of the doubling backoff between retries of a record. */
  maxRetryBackoffMs: int(0, 600_000, 30_000),
  /**
   * SAMSA_PROCESSORS_SANDBOX: `process` runs each tenant's sandboxes in a child process of its own, so a fault that
   * aborts a whole process (isolated-vm's large-allocation abort) ends only that tenant's; `inline` runs them in the
   * host's process (faster: no pipe between them).
   */
  sandboxMode: z.enum(['process', 'inline']).default('process'),
  /** SAMSA_PROCESSORS_REQUEST_TIMEOUT_MS: deadline of one Kafka request (and of one schema registry request). */
  requestTimeoutMs: int(100, 600_000, 15_000),
  /** SAMSA_PROCESSORS_SCHEMA_CACHE_ENTRIES: schema registry answers kept (by id, by subject-version; misses too). */
  schemaCacheMaxEntries: int(1, 1_000_000, 10_000),
  /** SAMSA_PROCESSORS_SCHEMA_CACHE_TTL_MS: how long an answer is kept (a subject's new latest version is used
   * after at most this). */
  schemaCacheTtlMs: int(0, 3_600_000, 5_000),
});
export type HostSettings = z.infer<typeof hostSettingsSchema>;

const ENV_NAMES: Record<keyof HostSettings, string> = {
  pollMs: 'SAMSA_PROCESSORS_POLL_MS',
  logLines: 'SAMSA_PROCESSOR_LOG_LINES',
  maxTasks: 'SAMSA_PROCESSORS_MAX_TASKS',
  defaultMemoryMb: 'SAMSA_PROCESSOR_MEMORY_MB',
  defaultCpuMsPerSec: 'SAMSA_PROCESSOR_CPU_MS_PER_SEC',
  cpuMsPerCall: 'SAMSA_PROCESSOR_CPU_MS_PER_CALL',
  batchMaxRecords: 'SAMSA_PROCESSORS_BATCH_RECORDS',
  fetchMaxBytes: 'SAMSA_PROCESSORS_FETCH_MAX_BYTES',
  queueMaxRecords: 'SAMSA_PROCESSORS_QUEUE_RECORDS',
  statusIntervalMs: 'SAMSA_PROCESSORS_STATUS_INTERVAL_MS',
  sampleIntervalMs: 'SAMSA_PROCESSORS_SAMPLE_INTERVAL_MS',
  fenceScanMaxBytes: 'SAMSA_PROCESSORS_FENCE_SCAN_MAX_BYTES',
  fenceScanTimeoutMs: 'SAMSA_PROCESSORS_FENCE_SCAN_TIMEOUT_MS',
  sessionTimeoutMs: 'SAMSA_PROCESSORS_SESSION_TIMEOUT_MS',
  maxRetryBackoffMs: 'SAMSA_PROCESSORS_MAX_RETRY_BACKOFF_MS',
  requestTimeoutMs: 'SAMSA_PROCESSORS_REQUEST_TIMEOUT_MS',
  sandboxMode: 'SAMSA_PROCESSORS_SANDBOX',
  schemaCacheMaxEntries: 'SAMSA_PROCESSORS_SCHEMA_CACHE_ENTRIES',
  schemaCacheTtlMs: 'SAMSA_PROCESSORS_SCHEMA_CACHE_TTL_MS',
};

export class HostSettingsError extends Error {
  override readonly name = 'HostSettingsError';
}

/** Reads the settings; empty variables count as unset; an error names each bad variable. */
export function hostSettingsFromEnv(env: Record<string, string | undefined>): HostSettings {
  const raw: Record<string, string> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const parsed = hostSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new HostSettingsError(
      `Invalid processor host settings: ${parsed.error.issues
        .map((i) => `${ENV_NAMES[i.path[0] as keyof HostSettings] ?? String(i.path[0])}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}
