/**
 * Entry point of a sandbox process (see sandbox-process.ts): holds the ProcessorSandboxes of one key (a tenant)
 * and answers the parent over IPC. It exists so that a fault isolated-vm cannot contain (V8 aborts the whole
 * process when a single large allocation fails, e.g. a Map growing past the limit) ends this process only.
 */
import { z } from 'zod';
import { ProcessorCompileError } from './errors.ts';
import { ProcessorSandbox } from './sandbox.ts';

const requestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('create'), id: z.number().int(), sandboxId: z.number().int(), options: z.unknown() }),
  z.object({
    type: z.literal('process'),
    id: z.number().int(),
    sandboxId: z.number().int(),
    records: z.array(z.unknown()),
  }),
  z.object({ type: z.literal('dispose'), sandboxId: z.number().int() }),
]);

export type SandboxChildRequest = z.infer<typeof requestSchema>;

const sandboxes = new Map<number, ProcessorSandbox>();

function reply(message: unknown): void {
  process.send?.(message);
}

function errorInfo(error: unknown) {
  if (error instanceof ProcessorCompileError) {
    return { name: error.name, message: error.reason, line: error.line, column: error.column };
  }
  return {
    name: error instanceof Error ? error.name : 'Error',
    message: error instanceof Error ? error.message : String(error),
  };
}

async function handle(raw: unknown): Promise<void> {
  const request = requestSchema.parse(raw);
  switch (request.type) {
    case 'create': {
      try {
        const sandbox = await ProcessorSandbox.create(request.options as Parameters<typeof ProcessorSandbox.create>[0]);
        sandboxes.set(request.sandboxId, sandbox);
        reply({ id: request.id, ok: true, cpuTimeMs: sandbox.cpuTimeMs(), heapBytes: sandbox.heapBytes() });
      } catch (error) {
        reply({ id: request.id, ok: false, error: errorInfo(error) });
      }
      return;
    }
    case 'process': {
      const sandbox = sandboxes.get(request.sandboxId);
      if (!sandbox) {
        reply({ id: request.id, ok: false, error: { name: 'Error', message: 'no such sandbox' } });
        return;
      }
      try {
        const results = await sandbox.process(request.records as Parameters<ProcessorSandbox['process']>[0]);
        reply({
          id: request.id,
          ok: true,
          results,
          disposed: sandbox.disposed,
          cpuTimeMs: sandbox.cpuTimeMs(),
          heapBytes: sandbox.heapBytes(),
        });
      } catch (error) {
        reply({ id: request.id, ok: false, error: errorInfo(error) });
      }
      return;
    }
    case 'dispose': {
      sandboxes.get(request.sandboxId)?.dispose();
      sandboxes.delete(request.sandboxId);
      return;
    }
  }
}

process.on('message', (message) => {
  handle(message).catch((error) => {
    process.stderr.write(`sandbox process: bad request: ${String(error)}\n`);
  });
});
// The parent went away: nothing is left to answer.
process.on('disconnect', () => process.exit(0));
