/** `samsa quota get|set --tenant T`: a tenant's quotas (platform admins set them). */
import type { Command } from '../types.ts';
import { apiRequest, CliError, COMMON_HELP, type ParsedArgs, output, runVerbs, str, tenantOf } from './api-client.ts';

const QUOTA_FLAGS: Record<string, string> = {
  'max-topics': 'maxTopics',
  'max-partitions': 'maxPartitions',
  'storage-bytes': 'storageBytes',
  'produce-bytes-per-sec': 'produceBytesPerSec',
  'fetch-bytes-per-sec': 'fetchBytesPerSec',
  'max-connections': 'maxConnections',
  'request-percentage': 'requestPercentage',
  'max-groups': 'maxGroups',
  'max-committed-offsets': 'maxCommittedOffsets',
  'max-transactional-ids': 'maxTransactionalIds',
  'max-processors': 'maxProcessors',
  'processor-memory-mb': 'processorMemoryMb',
  'processor-cpu-ms-per-sec': 'processorCpuMsPerSec',
  'max-schema-subjects': 'maxSchemaSubjects',
  'max-schema-versions': 'maxSchemaVersions',
};

/** Quota flags to API fields; `unlimited` (or `none`) clears a limit. */
export function quotaFlags(args: ParsedArgs): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [flag, field] of Object.entries(QUOTA_FLAGS)) {
    const v = str(args, flag);
    if (v === undefined) continue;
    if (v === 'unlimited' || v === 'none') out[field] = null;
    else if (/^\d+$/.test(v)) out[field] = Number(v);
    else throw new CliError(`--${flag} must be a whole number or 'unlimited', got '${v}'`, 2);
  }
  return out;
}

export const quota: Command = {
  summary: "show or set a tenant's quotas",
  help: `Usage:
  samsa quota get --tenant T
  samsa quota set --tenant T [--max-topics N] [--max-partitions N] [--storage-bytes N] [--produce-bytes-per-sec N]
                  [--fetch-bytes-per-sec N] [--max-connections N] [--request-percentage N]
                  [--max-groups N] [--max-committed-offsets N] [--max-transactional-ids N]
                  [--max-processors N] [--processor-memory-mb N] [--processor-cpu-ms-per-sec N]
                  [--max-schema-subjects N] [--max-schema-versions N]
                  (a value of 'unlimited' removes that limit; for the group and transactional-id limits it means
                  the broker's per-tenant default, --max-groups-per-tenant / --max-committed-offsets-per-tenant /
                  --max-transactional-ids-per-tenant, and for the
                  three processor limits the hub's default: SAMSA_MAX_PROCESSORS_PER_TENANT (20),
                  SAMSA_PROCESSOR_MEMORY_MB (64), SAMSA_PROCESSOR_CPU_MS_PER_SEC (1000); for the schema
                  registry's SAMSA_SCHEMA_REGISTRY_MAX_SUBJECTS (1000) and _MAX_VERSIONS (10000))

${COMMON_HELP}`,
  run: (argv) =>
    runVerbs('quota', argv, {
      async get(args, t) {
        output(args, await apiRequest(t, 'GET', `/tenants/${tenantOf(args)}/quota`));
      },
      async set(args, t) {
        const body = quotaFlags(args);
        if (Object.keys(body).length === 0) throw new CliError('nothing to set: give at least one quota flag', 2);
        output(args, await apiRequest(t, 'PUT', `/tenants/${tenantOf(args)}/quota`, body));
      },
    }),
};
