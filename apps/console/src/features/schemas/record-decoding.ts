/**
 * Decoding records that carry the schema registry's wire header (magic byte 0 + schema id), for the message
 * browser and message search. The id is looked up in the record's tenant only (the registry's context of that
 * tenant: another tenant's ids are not there), with its references and the subject-versions that use it, and the
 * payload decoded by @samsa/schema-registry/wire. Lookups are cached per tenant and id, bounded in entries: a
 * schema for SCHEMA_CACHE_TTL_MS (an id's schema never changes, its subjects may), a miss or a failed lookup for
 * MISS_CACHE_TTL_MS, so a schema registered after a record was first shown decodes soon after.
 */
import type { Tenant } from '@samsa/db';
import { InvalidSchemaError, type PayloadDecoder, payloadDecoder, WireFormatError } from '@samsa/schema-registry/wire';
import { log } from '../../server/log.ts';
import { resolveReferences } from '@samsa/schema-registry/context-client';
import {
  registry,
  registryEndpoint,
  SchemaRegistryError,
  SchemaRegistryUnavailable,
  type SchemaType,
} from './registry-client.ts';

/** Looked-up schema ids kept, across tenants; the oldest goes first past it. */
const SCHEMA_CACHE_MAX_ENTRIES = 1_000;
/** How long a found schema (and the subjects using it) is kept. */
const SCHEMA_CACHE_TTL_MS = 60_000;
/** How long an unknown id, or a registry that did not answer, is remembered before asking again. */
const MISS_CACHE_TTL_MS = 5_000;
/** Referenced schemas followed per schema, transitively (the registry's own bound is higher; this is a display). */
const MAX_REFERENCES = 100;

export type WireEncoding = 'avro' | 'protobuf' | 'json-schema';

const ENCODINGS: Record<SchemaType, WireEncoding> = { AVRO: 'avro', PROTOBUF: 'protobuf', JSON: 'json-schema' };

/** A record's key or value decoded with its schema. */
export interface DecodedBytes {
  encoding: WireEncoding;
  /** The subject-version holding the schema (TopicNameStrategy's `<topic>-key`/`-value` when it is one); null when no live version holds it. */
  subject: string | null;
  version: number | null;
  schemaId: number;
  /** Protobuf: the message's full name. */
  message?: string;
  /** The decoded value, pretty JSON. */
  text: string;
}

type Lookup =
  | { found: true; encoding: WireEncoding; decoder: PayloadDecoder; uses: { subject: string; version: number }[] }
  | { found: false; reason: string };

const cache = new Map<string, { expiresAtMs: number; lookup: Promise<Lookup> }>();

async function lookUp(tenant: Tenant, id: number): Promise<Lookup> {
  try {
    const s = await registry.schemaById(tenant.slug, id);
    const refs = await resolveReferences(registryEndpoint(), tenant.slug, s.references, {
      maxReferences: MAX_REFERENCES,
      tooMany: () => new InvalidSchemaError(`more than ${MAX_REFERENCES} references`),
    });
    const uses = await registry.versionsOfId(tenant.slug, id);
    return {
      found: true,
      encoding: ENCODINGS[s.schemaType],
      decoder: payloadDecoder(s.schemaType, s.schema, refs),
      uses,
    };
  } catch (err) {
    if (err instanceof SchemaRegistryError && err.status === 404) {
      return { found: false, reason: `schema id ${id} is not in tenant ${tenant.slug}'s schema registry` };
    }
    if (err instanceof SchemaRegistryUnavailable || err instanceof SchemaRegistryError) {
      return { found: false, reason: `schema id ${id} could not be looked up: ${err.message}` };
    }
    if (err instanceof InvalidSchemaError) {
      return { found: false, reason: `schema id ${id} does not parse: ${err.message}` };
    }
    log.warn({ err, tenant: tenant.slug, schemaId: id }, 'schema lookup failed');
    return { found: false, reason: `schema id ${id} could not be looked up: ${(err as Error).message}` };
  }
}

function cached(tenant: Tenant, id: number): Promise<Lookup> {
  const key = `${tenant.id}:${id}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.expiresAtMs > now) {
    // Most recently used last: the first key is the one to drop.
    cache.delete(key);
    cache.set(key, hit);
    return hit.lookup;
  }
  const entry = { expiresAtMs: now + MISS_CACHE_TTL_MS, lookup: lookUp(tenant, id) };
  cache.delete(key);
  cache.set(key, entry);
  while (cache.size > SCHEMA_CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  void entry.lookup.then((l) => {
    if (l.found) entry.expiresAtMs = Date.now() + SCHEMA_CACHE_TTL_MS;
  });
  return entry.lookup;
}

/**
 * Decodes `payload` (the bytes after the header) with schema `schemaId` of `tenant`; `subject` is the subject the
 * record's topic would use (`<topic>-key` or `<topic>-value`), preferred among those holding the schema. Answers
 * the reason instead when the id is unknown or the bytes are not of that schema.
 */
export async function decodeWithSchema(
  tenant: Tenant,
  schemaId: number,
  payload: Uint8Array,
  subject: string,
): Promise<DecodedBytes | { reason: string }> {
  const lookup = await cached(tenant, schemaId);
  if (!lookup.found) return { reason: lookup.reason };
  const use = lookup.uses.find((u) => u.subject === subject) ?? lookup.uses[0];
  try {
    const decoded = lookup.decoder.decode(payload);
    return {
      encoding: lookup.encoding,
      subject: use?.subject ?? null,
      version: use?.version ?? null,
      schemaId,
      ...(decoded.message === undefined ? {} : { message: decoded.message }),
      text: decoded.text,
    };
  } catch (err) {
    if (err instanceof WireFormatError) return { reason: `schema id ${schemaId} (${lookup.encoding}): ${err.message}` };
    throw err;
  }
}
