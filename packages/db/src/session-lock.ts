/**
 * A Postgres session advisory lock held on its own connection for the length of one job, so that of several
 * processes (console replicas) at most one runs the job at a time. The lock goes with the connection: a process that
 * dies releases it.
 */
import pg from 'pg';

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Runs `job` if no other session holds the lock (`scope`, `name`), else returns `{ ran: false }` at once. The lock
 * is released (and its connection closed) when `job` settles.
 */
export async function withSessionLock<T>(
  connectionString: string,
  scope: string,
  name: string,
  job: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked',
      [scope, name],
    );
    if (!rows[0]?.locked) return { ran: false };
    return { ran: true, value: await job() };
  } finally {
    // Ending the session releases its advisory locks.
    await client.end().catch(() => undefined);
  }
}
