/**
 * testRun: runs a processor's code on sample records in a fresh sandbox and reports, per record, the outputs per
 * topic, drops, errors and logs. Nothing is written anywhere; the sandbox is disposed at the end.
 */
import { isUtf8 } from 'node:buffer';
import { z } from 'zod';
import { decodeRecords, encodeResults } from '../schemas/schema-codec.ts';
import type { SchemaLookup } from '../schemas/schema-lookup.ts';
import type {
  BatchResults,
  InputRecord,
  LogLine,
  ProcessorErrorInfo,
  RecordSchema,
  SandboxLimits,
  SchemaDecoding,
} from '../types.ts';
import { DEFAULT_SANDBOX_LIMITS } from '../types.ts';
import { ProcessorSandbox, sandboxLimitsSchema } from './sandbox.ts';

/** Bytes shown to a person: text when they are valid UTF-8, else base64. */
export type BytesView = { encoding: 'text' | 'base64'; data: string } | null;

/** A key or value in the schema registry's wire format: its schema and decoded data (as JSON text), or why not. */
export type DecodingView = { schema: RecordSchema; data: BytesView } | { error: string };

export interface TestRunRecordResult {
  input: {
    partition: number;
    /** Decimal string: offsets are 64-bit. */
    offset: string;
    key: BytesView;
    value: BytesView;
    headers: Array<{ name: string; value: BytesView }>;
    timestampMs: number;
    /** With a registry (see testRun), for keys / values in its wire format. */
    keyDecoding?: DecodingView;
    valueDecoding?: DecodingView;
  };
  outputs: Array<{
    topic: string;
    /** With keySchema / valueSchema: the data as JSON text (a test run has no registry to encode it with). */
    key: BytesView;
    value: BytesView;
    headers: Array<{ name: string; value: BytesView }>;
    keySchema?: { subject: string; version: number | 'latest' };
    valueSchema?: { subject: string; version: number | 'latest' };
  }>;
  /** The function returned nothing for this record. */
  dropped: boolean;
  error?: ProcessorErrorInfo;
  logs: LogLine[];
  durationMs: number;
}

export interface TestRunResult {
  results: TestRunRecordResult[];
  summary: { records: number; outputsByTopic: Record<string, number>; dropped: number; errors: number };
}

/** Most records one test run takes. */
export const MAX_TEST_RUN_RECORDS = 1_000;

const testRunOptionsSchema = z.object({
  code: z.string().min(1),
  outputs: z.array(z.string().min(1)).min(1, 'a processor needs at least one output topic'),
  env: z.record(z.string(), z.string()),
  limits: sandboxLimitsSchema.partial().optional(),
  processor: z.object({ name: z.string(), version: z.number().int() }).optional(),
});

export type TestRunOptions = z.input<typeof testRunOptionsSchema>;

export function bytesView(bytes: Buffer | null): BytesView {
  if (bytes === null) return null;
  return isUtf8(bytes)
    ? { encoding: 'text', data: bytes.toString('utf8') }
    : { encoding: 'base64', data: bytes.toString('base64') };
}

/** Data an output asked to have encoded with a registry schema, shown as JSON text (bigints as digits). */
function dataView(data: unknown): BytesView {
  return { encoding: 'text', data: JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) };
}

function decodingView(d: SchemaDecoding): DecodingView {
  return d.ok ? { schema: d.schema, data: dataView(d.data) } : { error: d.error };
}

/**
 * `registry`: the tenant's schema registry, so records in its wire format are decoded as the host decodes them and
 * outputs that ask for a schema are checked against it (a misfit is the record's `bad-output`, as it will be when
 * it runs); they are still shown as their data. Without it, neither happens.
 */
export async function testRun(
  options: TestRunOptions,
  records: readonly InputRecord[],
  registry?: { lookup: SchemaLookup | null; slug: string },
): Promise<TestRunResult> {
  const parsed = testRunOptionsSchema.parse(options);
  if (records.length > MAX_TEST_RUN_RECORDS) {
    throw new RangeError(`a test run takes at most ${MAX_TEST_RUN_RECORDS} records, got ${records.length}`);
  }
  const limits: SandboxLimits = { ...DEFAULT_SANDBOX_LIMITS, ...parsed.limits };
  const sandbox = await ProcessorSandbox.create({
    code: parsed.code,
    outputs: parsed.outputs,
    env: parsed.env,
    limits,
    ...(parsed.processor ? { processor: parsed.processor } : {}),
  });
  try {
    // A timeout or memory fault ends a call (see BatchResults): the rest run again, so each record gets a result.
    const inputs = registry ? await decodeRecords([...records], registry.lookup, registry.slug) : records;
    let answers: BatchResults = await sandbox.process(inputs);
    while (answers.length < inputs.length) {
      const more = await sandbox.process(inputs.slice(answers.length));
      if (more.length === 0) break;
      answers.push(...more);
    }
    if (registry) {
      const checked = await encodeResults(answers, registry.lookup, registry.slug, limits);
      answers = answers.map((a, i) => (checked[i]?.ok === false ? checked[i]! : a));
    }
    const outputsByTopic: Record<string, number> = Object.fromEntries(parsed.outputs.map((t) => [t, 0]));
    const results = inputs.map((record, i): TestRunRecordResult => {
      const answer = answers[i];
      const outputs = answer.ok ? answer.outputs : [];
      for (const o of outputs) outputsByTopic[o.topic] = (outputsByTopic[o.topic] ?? 0) + 1;
      return {
        input: {
          partition: record.partition,
          offset: record.offset.toString(),
          key: bytesView(record.key),
          value: bytesView(record.value),
          headers: record.headers.map(([name, value]) => ({ name, value: bytesView(value) })),
          timestampMs: record.timestampMs,
          ...(record.keyDecoding ? { keyDecoding: decodingView(record.keyDecoding) } : {}),
          ...(record.valueDecoding ? { valueDecoding: decodingView(record.valueDecoding) } : {}),
        },
        outputs: outputs.map((o) => ({
          topic: o.topic,
          key: o.keyEncode ? dataView(o.keyEncode.data) : bytesView(o.key),
          value: o.valueEncode ? dataView(o.valueEncode.data) : bytesView(o.value),
          headers: o.headers.map(([name, value]) => ({ name, value: bytesView(value) })),
          ...(o.keyEncode ? { keySchema: { subject: o.keyEncode.subject, version: o.keyEncode.version } } : {}),
          ...(o.valueEncode ? { valueSchema: { subject: o.valueEncode.subject, version: o.valueEncode.version } } : {}),
        })),
        dropped: answer.ok && outputs.length === 0,
        ...(answer.ok ? {} : { error: answer.error }),
        logs: answer.logs,
        durationMs: answer.durationMs,
      };
    });
    return {
      results,
      summary: {
        records: results.length,
        outputsByTopic,
        dropped: results.filter((r) => r.dropped).length,
        errors: results.filter((r) => r.error !== undefined).length,
      },
    };
  } finally {
    sandbox.dispose();
  }
}
