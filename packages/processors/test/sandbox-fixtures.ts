/** Shared helpers of the sandbox tests: input records and a sandbox with test limits. */
import type { InputRecord, OutputRecord, SandboxLimits } from '../src/index.ts';
import { DEFAULT_SANDBOX_LIMITS } from '../src/index.ts';
import { compileProcessor, ProcessorSandbox } from '../src/sandbox/index.ts';

export function inputRecord(
  value: string | Buffer | null,
  options: { key?: string | Buffer | null; offset?: number; headers?: Array<[string, string | Buffer]> } = {},
): InputRecord {
  const bytes = (v: string | Buffer | null | undefined) => (v === null || v === undefined ? null : Buffer.from(v));
  return {
    topic: 'orders',
    partition: 2,
    offset: BigInt(options.offset ?? 0),
    timestampMs: 1_700_000_000_000,
    key: options.key === undefined ? Buffer.from('k1') : bytes(options.key),
    value: bytes(value),
    headers: (options.headers ?? []).map(([name, v]) => [name, Buffer.from(v)]),
  };
}

export const TEST_LIMITS: SandboxLimits = { ...DEFAULT_SANDBOX_LIMITS, memoryMb: 32, cpuMsPerCall: 2_000 };

export async function sandboxFor(
  source: string,
  options: {
    outputs?: string[];
    env?: Record<string, string>;
    limits?: Partial<SandboxLimits>;
    language?: 'javascript' | 'typescript';
  } = {},
): Promise<ProcessorSandbox> {
  const { code } = compileProcessor(source, options.language ?? 'javascript');
  return ProcessorSandbox.create({
    code,
    outputs: options.outputs ?? ['out'],
    env: options.env ?? {},
    limits: { ...TEST_LIMITS, ...options.limits },
    processor: { name: 'orders-map', version: 3 },
  });
}

/** Runs one source over records in a fresh sandbox and disposes it. */
export async function runOnce(source: string, records: InputRecord[], options: Parameters<typeof sandboxFor>[1] = {}) {
  const sandbox = await sandboxFor(source, options);
  try {
    return await sandbox.process(records);
  } finally {
    sandbox.dispose();
  }
}

export function text(bytes: Buffer | null): string | null {
  return bytes === null ? null : bytes.toString('utf8');
}

export function outputsOf(result: { ok: boolean; outputs?: OutputRecord[] }): OutputRecord[] {
  if (!result.ok || !result.outputs) throw new Error(`expected a successful result, got ${JSON.stringify(result)}`);
  return result.outputs;
}
