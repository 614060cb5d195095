/**
 * The shapes the processor pages read from /api/v1/tenants/{tenant}/processors, as the shared design states them.
 * The server's zod schemas (features/processors/schemas.ts) are the source of truth; these are only what the pages
 * draw, so a field the pages do not use is not listed.
 */

export type StartPositionView =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'timestamp'; timestampMs: number }
  | { kind: 'offset'; offset: number }
  | { kind: 'committed' };

export type DeliveryName = 'at-least-once' | 'exactly-once';
export type ErrorPolicyName = 'dlq' | 'skip' | 'stop';
export type LanguageName = 'javascript' | 'typescript';

export interface ProcessorSummaryView {
  name: string;
  desiredState: string;
  status: string;
  statusReason: string | null;
  version: number | null;
  inputTopic: string;
  outputTopics: string[];
  delivery: string;
  lagRecords: number | null;
  inPerSec: number | null;
  outPerSec: number | null;
  errorPerSec: number | null;
  updatedAt: string;
}

export interface ProcessorVersionView {
  version: number;
  language: string;
  source: string;
  inputTopic: string;
  outputTopics: string[];
  dlqTopic?: string | null;
  settings: { delivery: string; onError: string; retries: number; retryBackoffMs: number };
  env: Record<string, string>;
  secretNames: string[];
  comment?: string;
  createdAt?: string;
  createdByEmail?: string;
}

export interface ProcessorErrorView {
  message: string;
  stack?: string | null;
  topic?: string | null;
  partition?: number | null;
  offset?: number | string | null;
  version?: number | null;
  at?: string | null;
  kind?: string;
}

export interface ProcessorStatsView {
  inRecords?: number;
  outRecords?: number;
  drops?: number;
  errors?: number;
  dlq?: number;
  recordsPerSecIn?: number;
  recordsPerSecOut?: number;
  p50Ms?: number | null;
  p99Ms?: number | null;
  cpuMsPerSec?: number;
  memoryBytes?: number;
  memoryLimitBytes?: number;
  lagRecords?: number;
  lagSeconds?: number | null;
}

export interface ProcessorInstanceView {
  hostId: string;
  partitions: number[];
  heartbeatAt: string;
  stats?: ProcessorStatsView;
}

export interface ProcessorDetailView extends ProcessorSummaryView {
  version: number;
  versionView?: ProcessorVersionView;
  lastError: ProcessorErrorView | null;
  instances: ProcessorInstanceView[];
  limits: { memoryMb: number; cpuMsPerSec: number };
  /** Summed over live instances; null while no host reports the processor. */
  stats: ProcessorStatsView | null;
  dlqTopic: string | null;
  groupId: string;
}

/** The detail's `version` is the version view in the contract; older drafts had a number there and the view beside. */
export function versionOf(d: { version: unknown; versionView?: ProcessorVersionView }): ProcessorVersionView | null {
  if (d.version && typeof d.version === 'object') return d.version as ProcessorVersionView;
  return d.versionView ?? null;
}

export function versionNumberOf(d: { version: unknown; versionView?: ProcessorVersionView }): number | null {
  if (typeof d.version === 'number') return d.version;
  return versionOf(d)?.version ?? null;
}

export interface TestRunInput {
  source?: string;
  language?: LanguageName;
  outputs?: string[];
  env?: Record<string, string>;
  records?: { key?: string | null; value: unknown; headers?: Record<string, string>; timestamp?: number }[];
  lastN?: number;
}

export interface TestRunLog {
  level: string;
  message: string;
  atMs?: number;
}

export interface TestRunRecordView {
  input: {
    partition: number;
    offset: number | string;
    key: string | null;
    value: string | null;
    headers?: Record<string, string> | Array<[string, string]> | null;
    timestampMs?: number;
  };
  outputs: { topic: string; key: string | null; value: string | null; headers?: unknown }[];
  dropped: boolean;
  error?: { kind?: string; message: string; stack?: string };
  logs: TestRunLog[];
  durationMs: number;
}

export interface TestRunResultView {
  results: TestRunRecordView[];
  summary: { records: number; outputsByTopic: Record<string, number>; dropped: number; errors: number };
}

export interface VersionsView {
  versions: {
    version: number;
    createdAt: string;
    createdByEmail: string;
    comment: string;
    delivery: string;
    errorPolicy: string;
    deployedAt: string[];
  }[];
  deployments: {
    action: string;
    version: number;
    startFrom: StartPositionView;
    at: string;
    byEmail: string;
    appliedAt: string | null;
  }[];
}

export interface LogLineView {
  id: string | number;
  at: string;
  level: string;
  message: string;
  version: number | null;
  partition: number | null;
  offset: number | string | null;
}

export interface MetricSampleView {
  at: string | number;
  inPerSec: number;
  outPerSec: number;
  errorPerSec: number;
  dropRatio: number;
  lagRecords: number;
  lagSeconds: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  cpuMsPerSec: number;
  memoryBytes: number;
}

export interface MetricsView {
  series: MetricSampleView[];
  /** The live instances' stats (as the detail's), null while none reports. */
  current: ProcessorStatsView | null;
}

export const METRIC_WINDOWS = ['15m', '1h', '6h', '24h'] as const;
export type MetricWindowName = (typeof METRIC_WINDOWS)[number];
