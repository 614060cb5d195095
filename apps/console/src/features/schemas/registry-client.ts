/**
 * The console's one way to the schema registry (packages/schema-registry): its Confluent REST API over HTTP, as the
 * platform admin, inside one tenant's context (`/contexts/.<slug>/…`), so the registry's own rules (compatibility,
 * quotas, locks, caches) decide every answer. Where: SAMSA_SCHEMA_REGISTRY_URL (set by `samsa start`); who:
 * SAMSA_SCHEMA_REGISTRY_USERNAME/_PASSWORD, by default the broker superuser the console already signs in as (the
 * registry knows the same one); the calls themselves are @samsa/schema-registry/context-client's, which the
 * processor host uses too. Callers check the user's role and tenant first; this module only talks.
 */
import {
  type ContextCallOptions,
  contextCall,
  idVersionsSchema,
  type SchemaReference,
  SchemaRegistryError,
  SchemaRegistryUnavailable,
  schemaByIdSchema,
  subjectVersionSchema,
} from '@samsa/schema-registry/context-client';
import { z } from 'zod';
import { COMPATIBILITY_LEVELS, SCHEMA_TYPES } from './schemas.ts';

/** A call that takes longer than this fails with SchemaRegistryUnavailable. */
const REQUEST_TIMEOUT_MS = 5_000;

export { COMPATIBILITY_LEVELS, SCHEMA_TYPES, type SchemaReference, SchemaRegistryError, SchemaRegistryUnavailable };
export type SchemaType = (typeof SCHEMA_TYPES)[number];
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];
export type SchemaById = z.infer<typeof schemaByIdSchema>;
export type SubjectVersion = z.infer<typeof subjectVersionSchema>;

const compatibilitySchema = z.object({ is_compatible: z.boolean(), messages: z.array(z.string()).optional() });
const configSchema = z.object({ compatibilityLevel: z.enum(COMPATIBILITY_LEVELS) });

/** The registry as this console reaches it (SAMSA_SCHEMA_REGISTRY_*), read at each call. */
export function registryEndpoint() {
  const url = process.env.SAMSA_SCHEMA_REGISTRY_URL;
  if (!url) {
    throw new SchemaRegistryUnavailable(
      'the schema registry is not configured for this console: set SAMSA_SCHEMA_REGISTRY_URL (samsa start does)',
    );
  }
  return {
    url,
    username: process.env.SAMSA_SCHEMA_REGISTRY_USERNAME ?? process.env.SAMSA_BROKER_SASL_USERNAME ?? '',
    password: process.env.SAMSA_SCHEMA_REGISTRY_PASSWORD ?? process.env.SAMSA_BROKER_SASL_PASSWORD ?? '',
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  };
}

/** One call inside `tenant`'s context. */
function call<T>(
  tenant: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: (string | number)[],
  out: z.ZodType<T>,
  opts: ContextCallOptions = {},
): Promise<T> {
  return contextCall(registryEndpoint(), tenant, method, path, out, opts);
}

export interface NewSchema {
  schema: string;
  schemaType: SchemaType;
  references?: SchemaReference[];
}

function schemaPayload(s: NewSchema) {
  return { schema: s.schema, schemaType: s.schemaType, references: s.references ?? [] };
}

export const registry = {
  subjects: (tenant: string, opts: { deleted?: boolean } = {}) =>
    call(tenant, 'GET', ['subjects'], z.array(z.string()), { query: { deleted: opts.deleted } }),
  versions: (tenant: string, subject: string, opts: { deleted?: boolean } = {}) =>
    call(tenant, 'GET', ['subjects', subject, 'versions'], z.array(z.number()), { query: { deleted: opts.deleted } }),
  version: (tenant: string, subject: string, version: number | 'latest', opts: { deleted?: boolean } = {}) =>
    call(tenant, 'GET', ['subjects', subject, 'versions', version], subjectVersionSchema, {
      query: { deleted: opts.deleted },
    }),
  /** Every subject's versions (`latestOnly`: each subject's newest), soft-deleted ones with `deleted`. */
  schemas: (tenant: string, opts: { deleted?: boolean; latestOnly?: boolean } = {}) =>
    call(tenant, 'GET', ['schemas'], z.array(subjectVersionSchema), {
      query: { deleted: opts.deleted, latestOnly: opts.latestOnly },
    }),
  schemaById: (tenant: string, id: number) => call(tenant, 'GET', ['schemas', 'ids', id], schemaByIdSchema),
  /** The subject-versions that hold schema `id`. */
  versionsOfId: (tenant: string, id: number) =>
    call(tenant, 'GET', ['schemas', 'ids', id, 'versions'], idVersionsSchema),
  register: (tenant: string, subject: string, s: NewSchema) =>
    call(tenant, 'POST', ['subjects', subject, 'versions'], z.object({ id: z.number() }), { body: schemaPayload(s) }),
  /** Against `version` ('latest'), or against every version the subject's level checks when `version` is omitted. */
  checkCompatibility: (tenant: string, subject: string, s: NewSchema, version?: number | 'latest') =>
    call(
      tenant,
      'POST',
      version === undefined
        ? ['compatibility', 'subjects', subject, 'versions']
        : ['compatibility', 'subjects', subject, 'versions', version],
      compatibilitySchema,
      { body: schemaPayload(s), query: { verbose: true } },
    ),
  /** Soft delete (Confluent's default), or permanent after a soft one. Answers the deleted version numbers. */
  deleteSubject: (tenant: string, subject: string, opts: { permanent?: boolean } = {}) =>
    call(tenant, 'DELETE', ['subjects', subject], z.array(z.number()), { query: { permanent: opts.permanent } }),
  deleteVersion: (tenant: string, subject: string, version: number, opts: { permanent?: boolean } = {}) =>
    call(tenant, 'DELETE', ['subjects', subject, 'versions', version], z.number(), {
      query: { permanent: opts.permanent },
    }),
  /** The level in force for `subject` (its own, else the tenant's), or the tenant's when no subject is given. */
  compatibility: async (tenant: string, subject?: string): Promise<CompatibilityLevel> =>
    (
      await call(tenant, 'GET', subject === undefined ? ['config'] : ['config', subject], configSchema, {
        query: { defaultToGlobal: subject === undefined ? undefined : true },
      })
    ).compatibilityLevel,
  /** The subject's own level, or null when it follows the tenant's (Confluent's 40408). */
  subjectCompatibility: async (tenant: string, subject: string): Promise<CompatibilityLevel | null> => {
    try {
      return (await call(tenant, 'GET', ['config', subject], configSchema)).compatibilityLevel;
    } catch (err) {
      if (err instanceof SchemaRegistryError && err.errorCode === 40408) return null;
      throw err;
    }
  },
  /** Drops the subject's own level: it follows the tenant's again. */
  deleteSubjectCompatibility: (tenant: string, subject: string) =>
    call(tenant, 'DELETE', ['config', subject], configSchema),
  setCompatibility: (tenant: string, subject: string | undefined, level: CompatibilityLevel) =>
    call(
      tenant,
      'PUT',
      subject === undefined ? ['config'] : ['config', subject],
      z.object({ compatibility: z.enum(COMPATIBILITY_LEVELS) }),
      { body: { compatibility: level } },
    ),
};
