/**
 * The hub's own way to this registry from other processes (the console, the processor host): its Confluent REST API
 * over HTTP, as the platform superuser inside one tenant's context (`/contexts/.<slug>/…`), so the registry's own
 * rules (compatibility, quotas, locks, caches) decide every answer and a caller only ever sees that tenant's
 * schemas. Callers check who may ask first; this module only talks, and says how a call failed: the registry's own
 * error (SchemaRegistryError, Confluent's `error_code`) or no usable answer (SchemaRegistryUnavailable).
 */
import { z } from 'zod';
import { SCHEMA_TYPES } from './formats/index.ts';

/** The registry answered with one of Confluent's errors (`error_code` 40401, 409, 42201, …). */
export class SchemaRegistryError extends Error {
  readonly status: number;
  readonly errorCode: number;
  // No parameter properties: Node runs this file (tests, the CLI) by stripping types only.
  constructor(status: number, errorCode: number, message: string) {
    super(message);
    this.name = 'SchemaRegistryError';
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** The registry is not configured, not reachable, did not answer in time, or answered something unusable. */
export class SchemaRegistryUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaRegistryUnavailable';
  }
}

/** Where the registry is, who the caller is there (the superuser), and how long one call may take. */
export interface ContextEndpoint {
  url: string;
  username: string;
  password: string;
  requestTimeoutMs: number;
}

export const referenceSchema = z.object({ name: z.string(), subject: z.string(), version: z.number().int() });
export type SchemaReference = z.infer<typeof referenceSchema>;
/** A schema as Confluent answers it: schemaType is left out for Avro. */
const schemaBody = {
  schema: z.string(),
  schemaType: z.enum(SCHEMA_TYPES).optional().default('AVRO'),
  references: z.array(referenceSchema).optional().default([]),
};
export const schemaByIdSchema = z.object(schemaBody);
export const subjectVersionSchema = z.object({
  subject: z.string(),
  id: z.number().int(),
  version: z.number().int(),
  ...schemaBody,
});
export const idVersionsSchema = z.array(z.object({ subject: z.string(), version: z.number().int() }));
const errorBodySchema = z.object({ error_code: z.number(), message: z.string() });

export interface ContextCallOptions {
  body?: unknown;
  query?: Record<string, string | boolean | undefined>;
}

/** One call inside `tenant`'s context; `path` segments are encoded here. */
export async function contextCall<T>(
  endpoint: ContextEndpoint,
  tenant: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: (string | number)[],
  out: z.ZodType<T>,
  opts: ContextCallOptions = {},
): Promise<T> {
  const url = endpoint.url.replace(/\/+$/, '');
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) query.set(k, String(v));
  const target = `${url}/contexts/.${encodeURIComponent(tenant)}/${path.map((p) => encodeURIComponent(String(p))).join('/')}${query.size ? `?${query}` : ''}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(target, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${endpoint.username}:${endpoint.password}`).toString('base64')}`,
        accept: 'application/vnd.schemaregistry.v1+json',
        ...(opts.body === undefined ? {} : { 'content-type': 'application/vnd.schemaregistry.v1+json' }),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(endpoint.requestTimeoutMs),
    });
    text = await res.text();
  } catch (err) {
    throw new SchemaRegistryUnavailable(`the schema registry at ${url} did not answer: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new SchemaRegistryUnavailable(
      `the schema registry at ${url} answered ${res.status} with a body that is not JSON`,
    );
  }
  if (!res.ok) {
    const e = errorBodySchema.safeParse(json);
    if (e.success) throw new SchemaRegistryError(res.status, e.data.error_code, e.data.message);
    throw new SchemaRegistryUnavailable(`the schema registry at ${url} answered ${res.status}`);
  }
  const parsed = out.safeParse(json);
  if (!parsed.success) throw new SchemaRegistryUnavailable(`the schema registry at ${url} answered an unexpected body`);
  return parsed.data;
}

/** A referenced schema's text, as the wire decoders and encoders take it. */
export interface ResolvedReference {
  name: string;
  schemaType: (typeof SCHEMA_TYPES)[number];
  schema: string;
}

/**
 * `refs` resolved to their texts, transitively, dependencies first, each name once; past `maxReferences` names the
 * error `tooMany` makes is thrown. A reference the tenant does not have throws the registry's SchemaRegistryError.
 */
export async function resolveReferences(
  endpoint: ContextEndpoint,
  tenant: string,
  refs: SchemaReference[],
  bound: { maxReferences: number; tooMany: () => Error },
  out: ResolvedReference[] = [],
  seen = new Set<string>(),
): Promise<ResolvedReference[]> {
  for (const ref of refs) {
    if (seen.has(ref.name)) continue;
    seen.add(ref.name);
    if (seen.size > bound.maxReferences) throw bound.tooMany();
    const v = await contextCall(
      endpoint,
      tenant,
      'GET',
      ['subjects', ref.subject, 'versions', ref.version],
      subjectVersionSchema,
    );
    await resolveReferences(endpoint, tenant, v.references, bound, out, seen);
    out.push({ name: ref.name, schemaType: v.schemaType, schema: v.schema });
  }
  return out;
}
