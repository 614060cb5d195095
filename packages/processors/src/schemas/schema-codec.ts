/**
 * Records through the schema registry, before and after a sandbox call (the host's schema-sandbox.ts, test runs):
 * keys and values in the registry's wire format (magic byte 0 + schema id) are decoded with the processor's
 * tenant's schema of that id, so the function sees `record.valueDecoded` and `record.valueSchema` (or
 * `record.valueSchemaError`: the record is given raw all the same); outputs that asked for `valueSchema: { subject,
 * version? }` are encoded with that subject's schema, and one that does not fit it fails its record with
 * `bad-output` (then retries and the error policy apply as for any bad output). Only the tenant's own registry is
 * asked (see schema-lookup.ts). A registry that does not answer throws SchemaRegistryUnavailable.
 */
import { decode, encode, WireFormatError, wireSchemaId } from '@samsa/schema-registry/wire-format';
import { outputSizeProblem } from '../sandbox/batch-codec.ts';
import type {
  BatchResults,
  InputRecord,
  OutputRecord,
  RecordResult,
  RecordSchema,
  SandboxLimits,
  SchemaDecoding,
  SchemaEncodeRequest,
} from '../types.ts';
import type { SchemaLookup, TenantSchema } from './schema-lookup.ts';

const NO_REGISTRY = 'no schema registry is configured here: set SAMSA_SCHEMA_REGISTRY_URL (samsa start does)';

/** The records, those with a key or value in the wire format decoded (or why not) for tenant `slug`. */
export async function decodeRecords(
  records: InputRecord[],
  schemas: SchemaLookup | null,
  slug: string,
): Promise<InputRecord[]> {
  if (!records.some((r) => inWireFormat(r.key) || inWireFormat(r.value))) return records;
  return Promise.all(
    records.map(async (r) => {
      const keyDecoding = inWireFormat(r.key) ? await decoding(r.key, `${r.topic}-key`, schemas, slug) : undefined;
      const valueDecoding = inWireFormat(r.value)
        ? await decoding(r.value, `${r.topic}-value`, schemas, slug)
        : undefined;
      if (!keyDecoding && !valueDecoding) return r;
      return { ...r, ...(keyDecoding ? { keyDecoding } : {}), ...(valueDecoding ? { valueDecoding } : {}) };
    }),
  );
}

function inWireFormat(bytes: Buffer | null): bytes is Buffer {
  return bytes !== null && wireSchemaId(bytes) !== null;
}

async function decoding(
  bytes: Buffer,
  topicSubject: string,
  schemas: SchemaLookup | null,
  slug: string,
): Promise<SchemaDecoding> {
  if (schemas === null) return { ok: false, error: NO_REGISTRY };
  try {
    const { schema, data } = await decode(bytes, (id) => schemas.byId(slug, id));
    return { ok: true, data, schema: recordSchema(schema, topicSubject) };
  } catch (err) {
    if (err instanceof WireFormatError) return { ok: false, error: err.message };
    throw err;
  }
}

/** The subject-version shown for a schema: the topic's own subject when it is one of those holding it. */
function recordSchema(schema: TenantSchema, topicSubject: string): RecordSchema {
  const holder = schema.versions.filter((v) => v.subject === topicSubject).at(-1) ?? schema.versions[0] ?? null;
  return {
    subject: holder?.subject ?? null,
    version: holder?.version ?? null,
    id: schema.id,
    type: schema.schemaType,
  };
}

class BadOutput extends Error {}

/** The results, outputs that asked for a schema encoded; one that cannot be is its record's `bad-output`. */
export async function encodeResults(
  results: BatchResults,
  schemas: SchemaLookup | null,
  slug: string,
  limits: SandboxLimits,
): Promise<BatchResults> {
  const toEncode = (r: RecordResult) => r.ok && r.outputs.some((o) => o.keyEncode || o.valueEncode);
  if (!results.some(toEncode)) return results;
  return Promise.all(
    results.map(async (result): Promise<RecordResult> => {
      if (!result.ok || !toEncode(result)) return result;
      try {
        const outputs = await Promise.all(result.outputs.map((o, i) => encodeOutput(o, i, schemas, slug, limits)));
        return { ...result, outputs };
      } catch (err) {
        if (!(err instanceof BadOutput)) throw err;
        const { logs, durationMs } = result;
        return { ok: false, error: { kind: 'bad-output', message: err.message }, logs, durationMs };
      }
    }),
  );
}

async function encodeOutput(
  o: OutputRecord,
  index: number,
  schemas: SchemaLookup | null,
  slug: string,
  limits: SandboxLimits,
): Promise<OutputRecord> {
  if (!o.keyEncode && !o.valueEncode) return o;
  const { keyEncode, valueEncode, ...rest } = o;
  const output: OutputRecord = {
    ...rest,
    key: keyEncode ? await encodedBytes(keyEncode, `output ${index} key`, schemas, slug) : o.key,
    value: valueEncode ? await encodedBytes(valueEncode, `output ${index} value`, schemas, slug) : o.value,
  };
  const problem = outputSizeProblem(output, index, limits);
  if (problem) throw new BadOutput(problem);
  return output;
}

async function encodedBytes(
  request: SchemaEncodeRequest,
  what: string,
  schemas: SchemaLookup | null,
  slug: string,
): Promise<Buffer> {
  if (schemas === null) throw new BadOutput(`${what}: ${NO_REGISTRY}`);
  const schema = await schemas.bySubject(slug, request.subject, request.version);
  if (schema === null) {
    throw new BadOutput(
      request.version === 'latest'
        ? `${what}: subject "${request.subject}" is not in the tenant's schema registry (register it first)`
        : `${what}: subject "${request.subject}" has no version ${request.version} in the tenant's schema registry`,
    );
  }
  try {
    return encode(request.data, schema);
  } catch (err) {
    if (!(err instanceof WireFormatError)) throw err;
    throw new BadOutput(`${what}: ${err.message} ("${schema.subject}" version ${schema.version}, id ${schema.id})`);
  }
}
