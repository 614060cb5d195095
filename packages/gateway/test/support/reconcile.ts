/**
 * Test support: places every tenant's keys and ACLs on the test cluster with a reconcile, as Kafka's super user over
 * its SASL_PLAINTEXT listener (what `samsa cluster reconcile` does), and fails unless every change was made.
 */
import assert from 'node:assert/strict';
import { reconcileFromDb } from '@samsa/cluster/managed';
import type { Db } from '@samsa/db';

export async function reconcileTenants(
  db: Db,
  opts: { saslBootstrap: string; superuser: { name: string; password: string }; secretsKey: Buffer },
): Promise<void> {
  const connection = {
    bootstrapBrokers: opts.saslBootstrap.split(','),
    sasl: { mechanism: 'SCRAM-SHA-512', username: opts.superuser.name, password: opts.superuser.password },
    clientId: 'gateway-test-reconcile',
    requestTimeoutMs: 15_000,
  } as const;
  const report = await reconcileFromDb(db, connection, {
    secretsKey: opts.secretsKey,
    actorEmail: 'operator@example.com',
  });
  assert.deepEqual(report.errors, []);
}
