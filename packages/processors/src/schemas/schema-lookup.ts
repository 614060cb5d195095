/**
 * The processor host's way to the schema registry (packages/schema-registry): its Confluent REST API over HTTP, as
 * the platform superuser inside one tenant's context (`/contexts/.<slug>/…`), so a processor only ever sees its own
 * tenant's schemas. Answers are kept in a bounded cache (entries, TTL), misses included; a lookup under way is
 * shared by its callers. A registry that does not answer, or answers with anything but a schema or "not found",
 * throws SchemaRegistryUnavailable: the caller treats it as it treats the broker going away.
 */
import type { WireSchema } from '@samsa/schema-registry/wire-format';
import { z } from 'zod';

/** Where the registry is and who the host is there (SAMSA_SCHEMA_REGISTRY_URL, the superuser by default). */
export interface SchemaRegistryEndpoint {
  url: string;
  username: string;
  password: string;
}

export interface SchemaLookupLimits {
  cacheMaxEntries: number;
  cacheTtlMs: number;
  requestTimeoutMs: number;
}

/** A tenant's schema by id, with the subject-versions that hold it. */
export interface TenantSchema extends WireSchema {
  versions: Array<{ subject: string; version: number }>;
}

/** A subject's version, as an output asks for it. */
export interface SubjectSchema extends WireSchema {
  subject: string;
  version: number;
}

export class SchemaRegistryUnavailable extends Error {
  override readonly name = 'SchemaRegistryUnavailable';
}

const SCHEMA_TYPES = ['AVRO', 'PROTOBUF', 'JSON'] as const;
const referenceSchema = z.object({ name: z.string(), subject: z.string(), version: z.number().int() });
const schemaBody = {
  schema: z.string(),
  schemaType: z.enum(SCHEMA_TYPES).optional().default('AVRO'),
  references: z.array(referenceSchema).optional().default([]),
};
const byIdSchema = z.object(schemaBody);
const versionSchema = z.object({ subject: z.string(), version: z.number().int(), id: z.number().int(), ...schemaBody });
const idVersionsSchema = z.array(z.object({ subject: z.string(), version: z.number().int() }));
const errorBodySchema = z.object({ error_code: z.number() });

/** Confluent's "not found" codes, subject (40401), version (40402), schema (40403), and the names no subject or
 * version can have (42202 invalid version, 42208 invalid subject): a function's mistake, not the registry's. */
const NOT_FOUND_CODES: ReadonlySet<number> = new Set([40401, 40402, 40403, 42202, 42208]);
/** Most schemas one schema's references may reach, transitively. */
const MAX_REFERENCES = 1_000;

export class SchemaLookup {
  readonly #endpoint: SchemaRegistryEndpoint;
  readonly #limits: SchemaLookupLimits;
  readonly #authorization: string;
  readonly #cache = new Map<string, { answer: Promise<unknown>; expiresAtMs: number }>();

  constructor(endpoint: SchemaRegistryEndpoint, limits: SchemaLookupLimits) {
    this.#endpoint = { ...endpoint, url: endpoint.url.replace(/\/+$/, '') };
    this.#limits = limits;
    this.#authorization = `Basic ${Buffer.from(`${endpoint.username}:${endpoint.password}`).toString('base64')}`;
  }

  /** Schema `id` of tenant `slug`, or null when the tenant has no such id. */
  byId(slug: string, id: number): Promise<TenantSchema | null> {
    return this.#cached(`${slug}\0id\0${id}`, async () => {
      const body = await this.#get(slug, ['schemas', 'ids', id], byIdSchema);
      if (body === null) return null;
      const versions = (await this.#get(slug, ['schemas', 'ids', id, 'versions'], idVersionsSchema)) ?? [];
      const references = await this.#resolve(slug, body.references);
      return { id, schemaType: body.schemaType, schema: body.schema, references, versions };
    });
  }

  /** `subject`'s `version` (or its latest) in tenant `slug`, or null when the subject or the version is not there. */
  bySubject(slug: string, subject: string, version: number | 'latest'): Promise<SubjectSchema | null> {
    return this.#cached(`${slug}\0subject\0${subject}\0${version}`, async () => {
      const body = await this.#get(slug, ['subjects', subject, 'versions', version], versionSchema);
      if (body === null) return null;
      const references = await this.#resolve(slug, body.references);
      return { ...body, references };
    });
  }

  /** References resolved to their texts, transitively, dependencies first, each name once. */
  async #resolve(
    slug: string,
    refs: Array<z.infer<typeof referenceSchema>>,
    out: WireSchema['references'] = [],
    seen = new Set<string>(),
  ): Promise<WireSchema['references']> {
    for (const ref of refs) {
      if (seen.has(ref.name)) continue;
      seen.add(ref.name);
      if (seen.size > MAX_REFERENCES) throw new SchemaRegistryUnavailable('a schema reaches too many references');
      const body = await this.#get(slug, ['subjects', ref.subject, 'versions', ref.version], versionSchema);
      if (body === null) {
        throw new SchemaRegistryUnavailable(`reference ${ref.subject} version ${ref.version} is not in the registry`);
      }
      await this.#resolve(slug, body.references, out, seen);
      out.push({ name: ref.name, schemaType: body.schemaType, schema: body.schema });
    }
    return out;
  }

  #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.#cache.get(key);
    if (hit && hit.expiresAtMs > now) return hit.answer as Promise<T>;
    if (hit) this.#cache.delete(key);
    while (this.#cache.size >= this.#limits.cacheMaxEntries) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
    const answer = load();
    const entry = { answer, expiresAtMs: now + this.#limits.cacheTtlMs };
    this.#cache.set(key, entry);
    // A failed lookup is not kept: the next caller asks again.
    answer.catch(() => {
      if (this.#cache.get(key) === entry) this.#cache.delete(key);
    });
    return answer;
  }

  /** One GET inside the tenant's context; null for Confluent's "not found". */
  async #get<T>(slug: string, path: Array<string | number>, out: z.ZodType<T>): Promise<T | null> {
    const { url } = this.#endpoint;
    const target = `${url}/contexts/.${encodeURIComponent(slug)}/${path.map((p) => encodeURIComponent(String(p))).join('/')}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(target, {
        headers: { authorization: this.#authorization, accept: 'application/vnd.schemaregistry.v1+json' },
        signal: AbortSignal.timeout(this.#limits.requestTimeoutMs),
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
      if ((res.status === 404 || res.status === 422) && e.success && NOT_FOUND_CODES.has(e.data.error_code))
        return null;
      throw new SchemaRegistryUnavailable(
        `the schema registry at ${url} answered ${res.status}${e.success ? ` (error ${e.data.error_code})` : ''}: check SAMSA_SCHEMA_REGISTRY_URL and the superuser`,
      );
    }
    const parsed = out.safeParse(json);
    if (!parsed.success)
      throw new SchemaRegistryUnavailable(`the schema registry at ${url} answered an unexpected body`);
    return parsed.data;
  }
}
