/** The processor sandbox: compile a processor's source, run records through it in a V8 isolate, test-run it. */
export { RESERVED_HEADERS } from './batch-codec.ts';
export { compileProcessor, MAX_SOURCE_CHARS, type ProcessorLanguage } from './compile.ts';
export { ProcessorCompileError, ProcessorSandboxDisposedError } from './errors.ts';
export {
  MAX_BATCH_RECORDS,
  ProcessorSandbox,
  type SandboxOptions,
  sandboxLimitsSchema,
} from './sandbox.ts';
export { ProcessSandbox, SandboxProcessPool } from './sandbox-process.ts';
export {
  type BytesView,
  bytesView,
  type DecodingView,
  MAX_TEST_RUN_RECORDS,
  type TestRunOptions,
  type TestRunRecordResult,
  type TestRunResult,
  testRun,
} from './test-run.ts';
