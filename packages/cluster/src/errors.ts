/**
 * ClusterError: a failure of a Kafka call, classified so the caller can answer its user: `quota_exceeded` (the
 * broker's POLICY_VIOLATION, or a message naming a quota), `conflict` (TOPIC_ALREADY_EXISTS), `cluster_unavailable`
 * (cannot connect), `not_found` or `cluster_error` (the broker said no), with the broker's own message when it sent
 * one. The codes are the console's API error codes of the same name.
 */
export type ClusterErrorCode = 'quota_exceeded' | 'conflict' | 'cluster_unavailable' | 'cluster_error' | 'not_found';

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  readonly code: ClusterErrorCode;
  /** The form field a refusal concerns, when known (`name` for an existing topic). */
  readonly fieldErrors: Record<string, string[]> | undefined;
  constructor(code: ClusterErrorCode, message: string, fieldErrors?: Record<string, string[]>) {
    super(message);
    this.code = code;
    this.fieldErrors = fieldErrors;
  }
}

export type ClientError = {
  code?: string;
  apiId?: string;
  message?: string;
  serverErrorMessage?: string | null;
  errors?: ClientError[];
  cause?: ClientError;
};

/** What the broker itself said (error_message fields), found in the client's nested errors; bounded in depth. */
function serverMessages(e: ClientError | undefined, depth = 0): string[] {
  if (!e || depth > 4) return [];
  const own = e.serverErrorMessage ? [e.serverErrorMessage] : [];
  return [...own, ...(e.errors ?? []).flatMap((x) => serverMessages(x, depth + 1))];
}

/** The Kafka error names (POLICY_VIOLATION, TOPIC_ALREADY_EXISTS, ...) in the client's nested errors. */
function kafkaErrorIds(e: ClientError | undefined, depth = 0): string[] {
  if (!e || depth > 4) return [];
  const own = e.apiId ? [e.apiId] : [];
  return [...own, ...[...(e.errors ?? []), ...(e.cause ? [e.cause] : [])].flatMap((x) => kafkaErrorIds(x, depth + 1))];
}

/** Whether the failure is a refused SASL sign-in (the client's AuthenticationError, or the broker's error code). */
export function isSignInRefused(e: ClientError | undefined, depth = 0): boolean {
  if (!e || depth > 4) return false;
  if (e.code === 'PLT_KFK_AUTHENTICATION' || e.apiId === 'SASL_AUTHENTICATION_FAILED') return true;
  return [...(e.errors ?? []), ...(e.cause ? [e.cause] : [])].some((x) => isSignInRefused(x, depth + 1));
}

/**
 * Maps a Kafka client failure to `quota_exceeded` (the broker's POLICY_VIOLATION, or a message naming a quota),
 * `conflict` (TOPIC_ALREADY_EXISTS), `cluster_unavailable` (cannot connect) or `cluster_error` (the broker said no),
 * with the broker's own message when it sent one.
 */
export function clusterError(err: unknown): ClusterError {
  if (err instanceof ClusterError) return err;
  const e = err as ClientError;
  const inner =
    [...new Set(serverMessages(e))].join('; ') ||
    e.errors
      ?.map((x) => x.message)
      .filter(Boolean)
      .join('; ');
  const message = inner || e.message || String(err);
  const ids = kafkaErrorIds(e);
  if (ids.includes('POLICY_VIOLATION') || /quota exceeded/i.test(message)) {
    return new ClusterError(
      'quota_exceeded',
      `The broker refused it: ${message}. Remove what is no longer needed or ask a platform admin for a larger quota`,
    );
  }
  if (ids.includes('TOPIC_ALREADY_EXISTS')) {
    return new ClusterError('conflict', `The broker refused it: ${message}`, { name: ['Already exists'] });
  }
  if (/ECONNREFUSED|ETIMEDOUT|ENOTFOUND|connect|Timeout/i.test(message)) {
    return new ClusterError('cluster_unavailable', `The broker is not reachable: ${message}`);
  }
  return new ClusterError('cluster_error', `The broker refused the request: ${message}`);
}
