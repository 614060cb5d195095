/**
 * The shapes the processor pages read, taken from the server's zod schemas (../schemas.ts) and the sandbox's test-run
 * result, so a page cannot drift from the API. Type-only imports: nothing of the server reaches the browser bundle.
 * Where the schema leaves a field `unknown` (stored JSON), the documented shape is spelled here.
 */
import type { TestRunResult } from '@samsa/processors/sandbox';
import type { z } from 'zod';
import type {
  logsSchema,
  metricsSchema,
  processorDetailSchema,
  processorSummarySchema,
  TestRunInput,
  versionsSchema,
} from '../schemas.ts';

export type { TestRunInput };
export type TestRunResultView = TestRunResult;
export type TestRunRecordView = TestRunResult['results'][number];
export type BytesView = TestRunRecordView['input']['key'];
export type DecodingView = NonNullable<TestRunRecordView['input']['valueDecoding']>;

export type StartPositionView =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'timestamp'; timestampMs: number }
  | { kind: 'offset'; offset: number }
  | { kind: 'committed' };

export type DeliveryName = 'at-least-once' | 'exactly-once';
export type ErrorPolicyName = 'dlq' | 'skip' | 'stop';
export type LanguageName = 'javascript' | 'typescript';

export type ProcessorSummaryView = z.infer<typeof processorSummarySchema>;
export type ProcessorDetailView = z.infer<typeof processorDetailSchema>;
export type ProcessorVersionView = ProcessorDetailView['version'];
export type ProcessorStatsView = NonNullable<ProcessorDetailView['stats']>;

/** The processor's lastError, as the host writes it (Processor.lastError in the schema). */
export interface ProcessorErrorView {
  message: string;
  stack?: string | null;
  topic?: string | null;
  partition?: number | null;
  offset?: number | string | null;
  version?: number | null;
  at?: string | null;
}

export function lastErrorOf(d: ProcessorDetailView): ProcessorErrorView | null {
  const e = d.lastError;
  return e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string'
    ? (e as ProcessorErrorView)
    : null;
}

type Versions = z.infer<typeof versionsSchema>;
export type VersionsView = {
  versions: Versions['versions'];
  deployments: Array<Omit<Versions['deployments'][number], 'startFrom'> & { startFrom: StartPositionView }>;
};
export type LogLineView = z.infer<typeof logsSchema>['logs'][number];
export type MetricsView = z.infer<typeof metricsSchema>;
export type MetricSampleView = MetricsView['series'][number];

export const METRIC_WINDOWS = ['15m', '1h', '6h', '24h'] as const;
export type MetricWindowName = (typeof METRIC_WINDOWS)[number];
