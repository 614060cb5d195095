/**
 * Turns a processor's source (JavaScript or TypeScript) into the ES module code a sandbox runs, and rejects what
 * could never run: syntax errors (with line and column), imports, and modules without a default-exported function.
 */
import ivm from 'isolated-vm';
import amaro from 'amaro';
import { ProcessorCompileError } from './errors.ts';

export type ProcessorLanguage = 'javascript' | 'typescript';

/** The file name user code has in stack traces inside the sandbox. */
export const PROCESSOR_FILENAME = 'processor.js';

/** Longest source accepted, characters: bounds compile time and memory. */
export const MAX_SOURCE_CHARS = 1_000_000;

/** Limits of the throwaway isolate that checks the module: top-level code runs there once. */
const CHECK_MEMORY_MB = 32;
const CHECK_TIMEOUT_MS = 1_000;

const IMPORTS_MESSAGE = 'imports are not available in processors';

export function compileProcessor(source: string, language: ProcessorLanguage): { code: string } {
  if (typeof source !== 'string' || source.trim() === '') throw new ProcessorCompileError('the source is empty');
  if (source.length > MAX_SOURCE_CHARS) {
    throw new ProcessorCompileError(`the source is ${source.length} characters, over the limit of ${MAX_SOURCE_CHARS}`);
  }
  if (language !== 'javascript' && language !== 'typescript') {
    throw new ProcessorCompileError(`unknown language "${String(language)}" (javascript or typescript)`);
  }
  const code = language === 'typescript' ? stripTypes(source) : source;
  checkModule(code);
  return { code };
}

/** Strips TypeScript types in place (whitespace replaces them), so lines and columns stay those of the source. */
function stripTypes(source: string): string {
  try {
    return amaro.transformSync(source, { mode: 'strip-only', filename: 'processor.ts' }).code;
  } catch (error) {
    const e = error as { code?: string; message?: string; startLine?: number; startColumn?: number };
    const what = e.code === 'UnsupportedSyntax' ? 'unsupported TypeScript' : 'syntax error';
    const position =
      typeof e.startLine === 'number' && typeof e.startColumn === 'number'
        ? { line: e.startLine, column: e.startColumn + 1 }
        : undefined;
    throw new ProcessorCompileError(`${what}: ${e.message ?? String(error)}`, position);
  }
}

/** Compiles and evaluates the module once in a small throwaway isolate; throws ProcessorCompileError. */
function checkModule(code: string): void {
  const isolate = new ivm.Isolate({ memoryLimit: CHECK_MEMORY_MB });
  try {
    const context = isolate.createContextSync();
    const module = loadModuleSync(isolate, context, code, CHECK_TIMEOUT_MS);
    const kind = module.namespace.getSync('default', { reference: true }).typeof;
    if (kind !== 'function') {
      throw new ProcessorCompileError(
        `the module must export a default function: export default function process(record, ctx) { … } (its default export is ${kind})`,
      );
    }
  } finally {
    if (!isolate.isDisposed) isolate.dispose();
  }
}

/** Parses user code as an ES module (cheap, so sync) and refuses imports. */
function compileModule(isolate: ivm.Isolate, code: string): ivm.Module {
  let module: ivm.Module;
  try {
    module = isolate.compileModuleSync(code, { filename: PROCESSOR_FILENAME });
  } catch (error) {
    throw fromV8Error(error, 'syntax error');
  }
  if (module.dependencySpecifiers.length > 0) {
    throw new ProcessorCompileError(
      `${IMPORTS_MESSAGE} (the module imports ${module.dependencySpecifiers.map((s) => `"${s}"`).join(', ')})`,
    );
  }
  return module;
}

function refuseImport(): never {
  throw new Error(IMPORTS_MESSAGE);
}

function loadError(isolate: ivm.Isolate, error: unknown, timeoutMs: number): ProcessorCompileError {
  if (isolate.isDisposed) return new ProcessorCompileError('the module ran out of memory while loading');
  if (error instanceof Error && /timed out/i.test(error.message)) {
    return new ProcessorCompileError(`the module's top-level code ran longer than ${timeoutMs} ms`);
  }
  return fromV8Error(error, 'the module threw while loading');
}

/** Compiles, instantiates and evaluates user code as an ES module, blocking (for compileProcessor's check). */
function loadModuleSync(isolate: ivm.Isolate, context: ivm.Context, code: string, timeoutMs: number): ivm.Module {
  const module = compileModule(isolate, code);
  try {
    module.instantiateSync(context, refuseImport);
    module.evaluateSync({ timeout: timeoutMs });
  } catch (error) {
    throw loadError(isolate, error, timeoutMs);
  }
  return module;
}

/** The same on the isolate's thread: top-level code never blocks the host's event loop. */
export async function loadModule(
  isolate: ivm.Isolate,
  context: ivm.Context,
  code: string,
  timeoutMs: number,
): Promise<ivm.Module> {
  const module = compileModule(isolate, code);
  try {
    await module.instantiate(context, refuseImport);
    await module.evaluate({ timeout: timeoutMs });
  } catch (error) {
    throw loadError(isolate, error, timeoutMs);
  }
  return module;
}

const V8_POSITION = /\s*\[processor\.js:(\d+):(\d+)\]$/;

function fromV8Error(error: unknown, what: string): ProcessorCompileError {
  const message = error instanceof Error ? error.message : String(error);
  const match = V8_POSITION.exec(message);
  if (match) {
    return new ProcessorCompileError(`${what}: ${message.replace(V8_POSITION, '')}`, {
      line: Number(match[1]),
      column: Number(match[2]),
    });
  }
  const stackPosition = error instanceof Error ? /processor\.js:(\d+):(\d+)/.exec(error.stack ?? '') : null;
  return new ProcessorCompileError(
    `${what}: ${message}`,
    stackPosition ? { line: Number(stackPosition[1]), column: Number(stackPosition[2]) } : undefined,
  );
}
