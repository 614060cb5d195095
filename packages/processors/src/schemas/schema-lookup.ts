/**
 * The processor host's way to the schema registry (packages/schema-registry): its Confluent REST API over HTTP, as
 * the platform superuser inside one tenant's context (`/contexts/.<slug>/…`), so a processor only ever sees its own
 * tenant's schemas. Answers are kept in a bounded cache (entries, TTL), misses included; a lookup under way is
 * shared by its callers. A registry that does not answer, or answers with anything but a schema or "not found",
 * throws SchemaRegistryUnavailable: the caller treats it as it treats the broker going away.
 */
import {
  type ContextEndpoint,
  contextCall,
  idVersionsSchema,
  resolveReferences,
  type SchemaReference,
  SchemaRegistryError,
  SchemaRegistryUnavailable,
  schemaByIdSchema,
  subjectVersionSchema,
} from '@samsa/schema-registry/context-client';
import type { WireSchema } from '@samsa/schema-registry/wire-format';
import type { z } from 'zod';

export { SchemaRegistryUnavailable };

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

/** Confluent's "not found" codes, subject (40401), version (40402), schema (40403), and the names no subject or
 * version can have (42202 invalid version, 42208 invalid subject): a function's mistake, not the registry's. */
const NOT_FOUND_CODES: ReadonlySet<number> = new Set([40401, 40402, 40403, 42202, 42208]);
/** Most schemas one schema's references may reach, transitively. */
const MAX_REFERENCES = 1_000;

export class SchemaLookup {
  readonly #endpoint: ContextEndpoint;
  readonly #limits: SchemaLookupLimits;
  readonly #cache = new Map<string, { answer: Promise<unknown>; expiresAtMs: number }>();

  constructor(endpoint: SchemaRegistryEndpoint, limits: SchemaLookupLimits) {
    this.#endpoint = { ...endpoint, requestTimeoutMs: limits.requestTimeoutMs };
    this.#limits = limits;
  }

  /** Schema `id` of tenant `slug`, or null when the tenant has no such id. */
  byId(slug: string, id: number): Promise<TenantSchema | null> {
    return this.#cached(`${slug}\0id\0${id}`, async () => {
      const body = await this.#get(slug, ['schemas', 'ids', id], schemaByIdSchema);
      if (body === null) return null;
      const versions = (await this.#get(slug, ['schemas', 'ids', id, 'versions'], idVersionsSchema)) ?? [];
      const references = await this.#resolve(slug, body.references);
      return { id, schemaType: body.schemaType, schema: body.schema, references, versions };
    });
  }

  /** `subject`'s `version` (or its latest) in tenant `slug`, or null when the subject or the version is not there. */
  bySubject(slug: string, subject: string, version: number | 'latest'): Promise<SubjectSchema | null> {
    return this.#cached(`${slug}\0subject\0${subject}\0${version}`, async () => {
      const body = await this.#get(slug, ['subjects', subject, 'versions', version], subjectVersionSchema);
      if (body === null) return null;
      const references = await this.#resolve(slug, body.references);
      return { ...body, references };
    });
  }

  /** References resolved to their texts, transitively, dependencies first, each name once. */
  async #resolve(slug: string, refs: SchemaReference[]): Promise<WireSchema['references']> {
    try {
      return await resolveReferences(this.#endpoint, slug, refs, {
        maxReferences: MAX_REFERENCES,
        tooMany: () => new SchemaRegistryUnavailable('a schema reaches too many references'),
      });
    } catch (err) {
      throw this.#unavailable(err);
    }
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
    try {
      return await contextCall(this.#endpoint, slug, 'GET', path, out);
    } catch (err) {
      if (err instanceof SchemaRegistryError && (err.status === 404 || err.status === 422)) {
        if (NOT_FOUND_CODES.has(err.errorCode)) return null;
      }
      throw this.#unavailable(err);
    }
  }

  /** Anything but a schema or "not found" is the registry not answering usefully: the host backs off and retries. */
  #unavailable(err: unknown): Error {
    if (!(err instanceof SchemaRegistryError)) return err as Error;
    return new SchemaRegistryUnavailable(
      `the schema registry at ${this.#endpoint.url} answered ${err.status} (error ${err.errorCode}): ${err.message}: check SAMSA_SCHEMA_REGISTRY_URL and the superuser`,
    );
  }
}
