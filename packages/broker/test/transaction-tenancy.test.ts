/**
 * Transactions with tenants (a real Postgres and SASL): transactional ids live in the tenant's namespace (two
 * tenants' same id are two producers), TRANSACTIONAL_ID ACLs are enforced (DESCRIBE for FindCoordinator, WRITE for
 * InitProducerId and the rest), and a tenant's transactional ids are bounded: by its quota (maxTransactionalIds) or
 * else the broker's --max-transactional-ids-per-tenant.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { EndTxn, ErrorCode, FindCoordinator, InitProducerId } from '@samsa/protocol';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';

let db: TestDatabase;
let fx: TenantFixtures;
let broker: BrokerProcess;
let acmeAdmin: TestKey;
let globexAdmin: TestKey;
let alice: TestKey;
let bob: TestKey;

before(async () => {
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  const acme = await fx.tenant('acme');
  // globex's quota allows three ids; acme has none set and gets the broker's per-tenant default (2 here).
  const globex = await fx.tenant('globex', { maxTransactionalIds: 3 });
  acmeAdmin = await fx.adminKey(acme, 'acme-admin');
  globexAdmin = await fx.adminKey(globex, 'globex-admin');
  alice = await fx.key(acme, 'alice');
  await fx.acl(acme, 'User:alice', 'TRANSACTIONAL_ID', 'alice-', 'WRITE', { patternType: 'PREFIXED' });
  bob = await fx.key(acme, 'bob');
  await fx.acl(acme, 'User:bob', 'TOPIC', '*', 'WRITE');
  broker = await startBroker({
    args: [
      '--database-url',
      db.url,
      '--max-transactional-ids-per-tenant',
      '2',
      '--group-initial-rebalance-delay-ms',
      '0',
    ],
    env: { SAMSA_SUPERUSER_PASSWORD: 'txn-tenancy-superuser' },
  });
});

after(async () => {
  await broker?.cleanup();
  await fx?.close();
  await db?.drop();
});

async function as(key: TestKey): Promise<RawClient> {
  const c = await RawClient.connect(broker.port);
  await c.saslPlain(key.keyId, key.secret);
  return c;
}

async function init(c: RawClient, transactionalId: string) {
  return (await c.request(InitProducerId, 4, {
    transactionalId,
    transactionTimeoutMs: 60_000,
    producerId: -1n,
    producerEpoch: -1,
  })) as { errorCode: number; producerId: bigint; producerEpoch: number };
}

async function findCoordinator(c: RawClient, key: string): Promise<number> {
  return ((await c.request(FindCoordinator, 3, { key, keyType: 1 })) as { errorCode: number }).errorCode;
}

test('transactional ids: tenant namespaces, TRANSACTIONAL_ID ACLs and the per-tenant bound', async () => {
  const [acmeC, globexC, aliceC, bobC] = await Promise.all([as(acmeAdmin), as(globexAdmin), as(alice), as(bob)]);
  try {
    // The same id in two tenants: two producers, neither fencing the other.
    const a = await init(acmeC, 'shared-id');
    const g = await init(globexC, 'shared-id');
    assert.deepEqual([a.errorCode, a.producerEpoch, g.errorCode, g.producerEpoch], [0, 0, 0, 0]);
    assert.notEqual(a.producerId, g.producerId);
    const end = async (c: RawClient, producerId: bigint) =>
      (
        (await c.request(EndTxn, 3, {
          transactionalId: 'shared-id',
          producerId,
          producerEpoch: 0,
          committed: true,
        })) as {
          errorCode: number;
        }
      ).errorCode;
    assert.equal(
      await end(globexC, a.producerId),
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
      "acme's producer is not globex's",
    );

    // ACLs: alice may use ids under 'alice-', bob none.
    assert.equal(await findCoordinator(aliceC, 'alice-1'), ErrorCode.NONE);
    assert.equal(await findCoordinator(bobC, 'alice-1'), ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assert.equal((await init(bobC, 'alice-1')).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assert.equal((await init(aliceC, 'other')).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assert.equal((await init(aliceC, 'alice-1')).errorCode, ErrorCode.NONE);

    // acme now has two ids, its bound: a third is refused, an existing one still re-initializes, globex is unaffected.
    assert.equal((await init(aliceC, 'alice-2')).errorCode, ErrorCode.POLICY_VIOLATION);
    const again = await init(aliceC, 'alice-1');
    assert.deepEqual([again.errorCode, again.producerEpoch], [ErrorCode.NONE, 1], 'the epoch bump of an existing id');
    assert.equal((await init(globexC, 'second')).errorCode, ErrorCode.NONE);
    // globex's own quota (3) is what bounds it, not the broker's default.
    assert.equal((await init(globexC, 'third')).errorCode, ErrorCode.NONE);
    assert.equal((await init(globexC, 'fourth')).errorCode, ErrorCode.POLICY_VIOLATION);
  } finally {
    for (const c of [acmeC, globexC, aliceC, bobC]) c.close();
  }
});

test('a tenant runs kafkajs transactions in its namespace; its read_committed consumer sees only committed records', {
  timeout: 60_000,
}, async () => {
  const kafka = new Kafka({
    clientId: 'txn-tenancy',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: globexAdmin.keyId, password: globexAdmin.secret },
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'orders' }] });
  await admin.disconnect();
  const producer = kafka.producer({ transactionalId: 'shared-id', maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  for (const [value, commit] of [
    ['committed-1', true],
    ['aborted-1', false],
    ['committed-2', true],
  ] as const) {
    const txn = await producer.transaction();
    await txn.send({ topic: 'orders', messages: [{ value }] });
    await (commit ? txn.commit() : txn.abort());
  }
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'orders-reader' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  const seen: string[] = [];
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
        if (seen.includes('committed-2')) resolve();
      },
    });
  });
  await done;
  await consumer.disconnect();
  assert.deepEqual(seen, ['committed-1', 'committed-2']);
});
