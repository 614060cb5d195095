/**
 * How stored processor rows read in the API: enums spelled as requests spell them, BigInts as numbers, secrets as
 * names only, and the live instances' reports summed into one set of stats.
 */
import type {
  Processor,
  ProcessorDelivery,
  ProcessorDeployAction,
  ProcessorDeployment,
  ProcessorErrorPolicy,
  ProcessorInstance,
  ProcessorLanguage,
  ProcessorLog,
  ProcessorMetricSample,
  ProcessorVersion,
} from '@samsa/db';

/** A host's instance row is live while its heartbeat is younger than this. */
export const INSTANCE_LIVE_MS = 60_000;

export const DELIVERY = { AT_LEAST_ONCE: 'at-least-once', EXACTLY_ONCE: 'exactly-once' } as const;
export const DELIVERY_ROW = { 'at-least-once': 'AT_LEAST_ONCE', 'exactly-once': 'EXACTLY_ONCE' } as const;
export const POLICY = { DLQ: 'dlq', SKIP: 'skip', STOP: 'stop' } as const;
export const POLICY_ROW = { dlq: 'DLQ', skip: 'SKIP', stop: 'STOP' } as const;
export const LANGUAGE = { JAVASCRIPT: 'javascript', TYPESCRIPT: 'typescript' } as const;
export const LANGUAGE_ROW = { javascript: 'JAVASCRIPT', typescript: 'TYPESCRIPT' } as const;

export const deliveryView = (d: ProcessorDelivery) => DELIVERY[d];
export const policyView = (p: ProcessorErrorPolicy) => POLICY[p];
export const languageView = (l: ProcessorLanguage) => LANGUAGE[l];
export const actionView = (a: ProcessorDeployAction) =>
  a.toLowerCase() as 'create' | 'update' | 'rollback' | 'redeploy';

export interface ProcessorStats {
  inRecords: number;
  outRecords: number;
  drops: number;
  errors: number;
  dlq: number;
  recordsPerSecIn: number;
  recordsPerSecOut: number;
  errorsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  cpuMsPerSec: number;
  memoryBytes: number;
  memoryLimitBytes: number | null;
  lagRecords: number;
}

const SUMMED = [
  'inRecords',
  'outRecords',
  'drops',
  'errors',
  'dlq',
  'recordsPerSecIn',
  'recordsPerSecOut',
  'errorsPerSec',
  'cpuMsPerSec',
  'memoryBytes',
  'lagRecords',
] as const;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function liveInstances(instances: ProcessorInstance[], nowMs = Date.now()): ProcessorInstance[] {
  return instances.filter((i) => nowMs - i.heartbeatAt.getTime() < INSTANCE_LIVE_MS);
}

/**
 * Sums the live instances' counters, rates and memory (each host reports its share, the processor host's
 * `stats` of ProcessorInstance); latencies are the worst instance's.
 */
export function aggregateStats(live: ProcessorInstance[]): ProcessorStats | null {
  if (live.length === 0) return null;
  const out: ProcessorStats = {
    inRecords: 0,
    outRecords: 0,
    drops: 0,
    errors: 0,
    dlq: 0,
    recordsPerSecIn: 0,
    recordsPerSecOut: 0,
    errorsPerSec: 0,
    p50Ms: null,
    p99Ms: null,
    cpuMsPerSec: 0,
    memoryBytes: 0,
    memoryLimitBytes: null,
    lagRecords: 0,
  };
  for (const i of live) {
    const s = (i.stats ?? {}) as Record<string, unknown>;
    for (const k of SUMMED) out[k] += num(s[k]) ?? 0;
    for (const k of ['p50Ms', 'p99Ms'] as const) {
      const v = num(s[k]);
      if (v !== null) out[k] = Math.max(out[k] ?? 0, v);
    }
    const limit = num(s.memoryLimitBytes);
    if (limit !== null) out.memoryLimitBytes = (out.memoryLimitBytes ?? 0) + limit;
  }
  return out;
}

type ProcessorWithActive = Processor & {
  activeDeployment: (ProcessorDeployment & { version: ProcessorVersion }) | null;
  instances: ProcessorInstance[];
};

export function summaryView(p: ProcessorWithActive, nowMs = Date.now()) {
  const v = p.activeDeployment?.version;
  const stats = aggregateStats(liveInstances(p.instances, nowMs));
  return {
    name: p.name,
    desiredState: p.desiredState,
    status: p.status,
    statusReason: p.statusReason,
    version: v?.version ?? 0,
    inputTopic: v?.inputTopic ?? '',
    outputTopics: v?.outputTopics ?? [],
    delivery: deliveryView(v?.delivery ?? 'AT_LEAST_ONCE'),
    lagRecords: stats?.lagRecords ?? null,
    inPerSec: stats?.recordsPerSecIn ?? null,
    outPerSec: stats?.recordsPerSecOut ?? null,
    errorPerSec: stats?.errorsPerSec ?? null,
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function versionView(v: ProcessorVersion, secretNames: string[]) {
  return {
    version: v.version,
    inputTopic: v.inputTopic,
    outputTopics: v.outputTopics,
    dlqTopic: v.dlqTopic,
    language: languageView(v.language),
    source: v.source,
    settings: {
      delivery: deliveryView(v.delivery),
      onError: policyView(v.errorPolicy),
      retries: v.retries,
      retryBackoffMs: v.retryBackoffMs,
    },
    env: (v.env ?? {}) as Record<string, string>,
    secretNames,
    comment: v.comment,
    createdAt: v.createdAt.toISOString(),
    createdByEmail: v.createdByEmail,
  };
}

export function deploymentView(d: ProcessorDeployment & { version: ProcessorVersion }) {
  return {
    action: actionView(d.action),
    version: d.version.version,
    startFrom: d.startFrom,
    at: d.at.toISOString(),
    byEmail: d.byEmail,
    appliedAt: d.appliedAt?.toISOString() ?? null,
  };
}

export function logView(l: ProcessorLog) {
  return {
    id: Number(l.id),
    at: l.at.toISOString(),
    level: l.level.toLowerCase() as 'info' | 'warn' | 'error',
    message: l.message,
    version: l.version,
    partition: l.partition,
    offset: l.offset === null ? null : Number(l.offset),
  };
}

export function sampleView(s: ProcessorMetricSample) {
  return {
    at: s.at.toISOString(),
    inPerSec: s.inPerSec,
    outPerSec: s.outPerSec,
    errorPerSec: s.errorPerSec,
    dropRatio: s.dropRatio,
    lagRecords: Number(s.lagRecords),
    lagSeconds: s.lagSeconds,
    p50Ms: s.p50Ms,
    p99Ms: s.p99Ms,
    cpuMsPerSec: s.cpuMsPerSec,
    memoryBytes: Number(s.memoryBytes),
  };
}
