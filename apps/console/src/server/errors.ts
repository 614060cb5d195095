/**
 * One error type for the console and the REST API: a code, a human message and optional field errors, mapped to
 * an HTTP status in exactly one place (`toErrorResponse`).
 */
import { ClusterError } from '@samsa/cluster/errors';
import { ZodError } from 'zod';

export type ApiErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'validation_failed'
  | 'quota_exceeded'
  | 'compile_failed'
  | 'tenant_suspended'
  | 'tenant_deleting'
  | 'rate_limited'
  | 'unsupported_media_type'
  | 'cluster_unavailable'
  | 'cluster_error'
  | 'schema_registry_unavailable'
  | 'timeout'
  | 'internal';

const STATUS: Record<ApiErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  validation_failed: 400,
  quota_exceeded: 422,
  compile_failed: 422,
  tenant_suspended: 403,
  tenant_deleting: 409,
  rate_limited: 429,
  unsupported_media_type: 415,
  cluster_unavailable: 503,
  cluster_error: 502,
  schema_registry_unavailable: 503,
  timeout: 504,
  internal: 500,
};

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly fieldErrors: Record<string, string[]> | undefined;
  /** Response headers the error needs, e.g. Retry-After on `rate_limited`. */
  readonly headers: Record<string, string> | undefined;
  constructor(
    code: ApiErrorCode,
    message: string,
    fieldErrors?: Record<string, string[]>,
    headers?: Record<string, string>,
  ) {
    super(message);
    this.code = code;
    this.fieldErrors = fieldErrors;
    this.headers = headers;
  }
  get status(): number {
    return STATUS[this.code];
  }
}

export interface ErrorBody {
  error: { code: ApiErrorCode; message: string; fieldErrors?: Record<string, string[]> };
}

export function fieldErrorsOf(err: ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of err.issues) {
    const key = issue.path.join('.') || '_';
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** Maps anything thrown by a handler to an ApiError; unknown errors become `internal` without leaking details. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  // A failed Kafka call (@samsa/cluster): its code is the API error code of the same name.
  if (err instanceof ClusterError) return new ApiError(err.code, err.message, err.fieldErrors);
  if (err instanceof ZodError) return new ApiError('validation_failed', 'Some fields are invalid', fieldErrorsOf(err));
  const code = (err as { code?: unknown })?.code;
  if (code === 'P2002') return new ApiError('conflict', 'A resource with the same name already exists');
  if (code === 'P2025') return new ApiError('not_found', 'Not found');
  return new ApiError('internal', 'Internal error');
}

export function toErrorResponse(err: ApiError, headers?: HeadersInit): Response {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.fieldErrors) body.error.fieldErrors = err.fieldErrors;
  const all = new Headers(err.headers);
  for (const [k, v] of new Headers(headers)) all.set(k, v);
  return Response.json(body, { status: err.status, headers: all });
}
