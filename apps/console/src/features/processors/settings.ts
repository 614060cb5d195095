/**
 * The console's processor settings, from the environment (read on use, validated with zod; a bad value is a clear
 * error naming the variable): the per-tenant processor count when the tenant's quota leaves it open, the sandbox
 * limits shown and used for test runs, and the bounds of a test run.
 */
import { DEFAULT_SANDBOX_LIMITS } from '@samsa/processors';
import { z } from 'zod';
import { ApiError } from '../../server/errors.ts';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().max(2_147_483_647).default(fallback);

const settingsSchema = z.object({
  SAMSA_MAX_PROCESSORS_PER_TENANT: positiveInt(20),
  /** Memory of one processor sandbox when the tenant's quota leaves processorMemoryMb open, MiB. */
  SAMSA_PROCESSOR_MEMORY_MB: positiveInt(DEFAULT_SANDBOX_LIMITS.memoryMb),
  /** CPU all of a tenant's processors may use when its quota leaves processorCpuMsPerSec open, ms per second. */
  SAMSA_PROCESSOR_CPU_MS_PER_SEC: positiveInt(1000),
  SAMSA_TEST_RUN_MAX_RECORDS: positiveInt(100),
  /** The whole test run (all records), ms; one call is also stopped at min(this, the sandbox's per-call limit). */
  SAMSA_TEST_RUN_TIMEOUT_MS: positiveInt(10_000),
  /** Test runs of one tenant at the same time; beyond it 429. */
  SAMSA_TEST_RUNS_PER_TENANT: positiveInt(2),
});
export type ProcessorSettings = z.infer<typeof settingsSchema>;

export function processorSettings(env: Record<string, string | undefined> = process.env): ProcessorSettings {
  const picked = Object.fromEntries(
    Object.keys(settingsSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = settingsSchema.safeParse(picked);
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new ApiError('internal', `Invalid processor settings in the console's environment: ${names}`);
  }
  return parsed.data;
}

/** A tenant's processor limits: its quota, or the hub's defaults where the quota leaves them open. */
export function processorLimits(
  quota: { maxProcessors: number | null; processorMemoryMb: number | null; processorCpuMsPerSec: number | null } | null,
  settings: ProcessorSettings = processorSettings(),
) {
  return {
    maxProcessors: quota?.maxProcessors ?? settings.SAMSA_MAX_PROCESSORS_PER_TENANT,
    memoryMb: quota?.processorMemoryMb ?? settings.SAMSA_PROCESSOR_MEMORY_MB,
    cpuMsPerSec: quota?.processorCpuMsPerSec ?? settings.SAMSA_PROCESSOR_CPU_MS_PER_SEC,
  };
}
