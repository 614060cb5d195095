/** Compiles a processor's source with the sandbox's compiler; a bad module is a 422 `compile_failed` naming the line. */
import { compileProcessor, ProcessorCompileError } from '@samsa/processors/sandbox';
import { ApiError } from '../../server/errors.ts';

export function compileOrExplain(source: string, language: 'javascript' | 'typescript'): { code: string } {
  try {
    return compileProcessor(source, language);
  } catch (err) {
    if (err instanceof ProcessorCompileError) {
      throw new ApiError('compile_failed', err.message, { source: [err.message] });
    }
    throw err;
  }
}
