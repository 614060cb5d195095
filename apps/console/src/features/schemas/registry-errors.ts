/**
 * The registry's answers as the console's errors: Confluent's error codes (40401, 409, 42201, …) become the codes
 * the REST API and the CLI already know, each with a message that says what to do next.
 */
import { ApiError } from '../../server/errors.ts';
import { SchemaRegistryError, SchemaRegistryUnavailable } from './registry-client.ts';

/** Confluent's "soft deleted" / "not soft deleted first" codes: a delete in the wrong order. */
const DELETE_ORDER: Record<number, string> = {
  40404: 'it is already soft-deleted: delete it again with permanent=true (--permanent) to remove it for good',
  40405: 'a permanent delete needs a soft delete first: delete it once without permanent=true',
  40406: 'the version is already soft-deleted: delete it again with permanent=true (--permanent) to remove it for good',
  40407: 'a permanent delete needs a soft delete of the version first: delete it once without permanent=true',
};

export function registryError(err: unknown): unknown {
  if (err instanceof SchemaRegistryUnavailable) {
    return new ApiError(
      'schema_registry_unavailable',
      `${err.message}. Check that the hub's schema registry runs (samsa start starts it) and try again.`,
    );
  }
  if (!(err instanceof SchemaRegistryError)) return err;
  const code = err.errorCode;
  if (DELETE_ORDER[code])
    return new ApiError('conflict', `${err.message.replace(/\.Set .*$/, '.')} ${DELETE_ORDER[code]}`);
  if (err.status === 404) return new ApiError('not_found', err.message);
  if (code === 409) return new ApiError('conflict', err.message);
  if (code === 42201) return new ApiError('validation_failed', err.message, { schema: [err.message] });
  if (code === 42202) return new ApiError('validation_failed', err.message, { version: [err.message] });
  if (code === 42203) return new ApiError('validation_failed', err.message, { compatibility: [err.message] });
  if (code === 42208) return new ApiError('validation_failed', err.message, { subject: [err.message] });
  if (code === 42205 && /maxSchema(Subjects|Versions)/.test(err.message)) {
    return new ApiError(
      'quota_exceeded',
      `${err.message}. Delete unused subjects or versions permanently, or ask a platform admin to raise the quota.`,
    );
  }
  // Read-only mode, a version still referenced by another schema, …: the registry's own words.
  if (err.status === 422) return new ApiError('conflict', err.message);
  if (err.status === 401 || err.status === 403) {
    return new ApiError(
      'schema_registry_unavailable',
      `The schema registry refused the console's credentials (${err.message}): set SAMSA_SCHEMA_REGISTRY_USERNAME and SAMSA_SCHEMA_REGISTRY_PASSWORD to the hub's superuser`,
    );
  }
  if (err.status >= 500) {
    return new ApiError('schema_registry_unavailable', `The schema registry failed: ${err.message}. Try again.`);
  }
  return new ApiError('validation_failed', err.message);
}
