/**
 * The bench's SASL/SCRAM client (bench/scram-client.ts, used by the cost-of-isolation row) against a real broker with
 * tenancy: SCRAM-SHA-256 and SCRAM-SHA-512 authenticate with a tenant key and the connection can then create topics
 * in its tenant; a wrong password is refused. The client checks the server's signature, so both sides are exercised.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { PipelinedConnection } from '../bench/pipelined-connection.ts';
import { createTopics } from '../bench/samsa.ts';
import { authenticateScram } from '../bench/scram-client.ts';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';

let db: TestDatabase;
let fx: TenantFixtures;
let broker: BrokerProcess;
let key: TestKey;

before(async () => {
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  const tenant = await fx.tenant('bench');
  key = await fx.key(tenant, 'bench-admin');
  await fx.admin(tenant, 'bench-admin');
  broker = await startBroker({
    args: ['--database-url', db.url],
    env: { SAMSA_SUPERUSER_PASSWORD: 'bench-scram-superuser' },
  });
});
after(async () => {
  await broker?.cleanup();
  await fx?.close();
  await db?.drop();
});

async function connect(): Promise<PipelinedConnection> {
  return PipelinedConnection.open('127.0.0.1', broker.port, () => {});
}

test('SCRAM-SHA-256 and SCRAM-SHA-512 authenticate a tenant key; the connection then works in its tenant', async () => {
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    const conn = await connect();
    try {
      await authenticateScram(conn, { mechanism, username: key.keyId, password: key.secret });
      const ids = await createTopics(conn, [`orders-${mechanism.toLowerCase()}`], 1);
      assert.equal(ids.length, 1);
    } finally {
      conn.close();
    }
  }
});

test('a wrong password is refused with the SASL error', async () => {
  const conn = await connect();
  try {
    await assert.rejects(
      authenticateScram(conn, { mechanism: 'SCRAM-SHA-512', username: key.keyId, password: 'wrong' }),
      /SaslAuthenticate: error 58/,
    );
  } finally {
    conn.close();
  }
});
