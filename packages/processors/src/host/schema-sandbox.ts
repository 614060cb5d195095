/**
 * A sandbox whose calls go through the schema registry (../schemas/schema-codec.ts): records in the registry's wire
 * format are decoded for the processor's tenant before the call, outputs that ask for a schema are encoded after.
 * A registry that does not answer throws SchemaRegistryUnavailable out of process(): the task ends and the runtime
 * starts again from the committed offsets, as when the broker goes away.
 */
import type { SandboxLimits } from '../types.ts';
import { decodeRecords, encodeResults } from '../schemas/schema-codec.ts';
import type { SchemaLookup } from '../schemas/schema-lookup.ts';
import type { RecordSandbox } from './sandbox-port.ts';

/** `inner` with decoding before and encoding after each call, for tenant `slug`; `schemas` null: no registry. */
export function withSchemas(
  inner: RecordSandbox,
  schemas: SchemaLookup | null,
  slug: string,
  limits: SandboxLimits,
): RecordSandbox {
  return {
    async process(records) {
      const decoded = await decodeRecords(records, schemas, slug);
      return encodeResults(await inner.process(decoded), schemas, slug, limits);
    },
    get disposed() {
      return inner.disposed;
    },
    cpuTimeMs: () => inner.cpuTimeMs(),
    heapBytes: () => inner.heapBytes(),
    dispose: () => inner.dispose(),
  };
}
