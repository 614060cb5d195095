/**
 * The transactions page's API against a real broker process with tenancy: a real KafkaJS transactional producer
 * leaves a transaction open; the tenant's members see it (state, producer, partitions, timeout), another tenant
 * does not; a member cannot abort it; a tenant admin aborts it through the route, which fences the transactional id
 * as Kafka's Admin.fenceProducers does (the old producer's commit is refused, a read_committed consumer never sees
 * its records) and is audited. A transaction open longer than its timeout is flagged as hanging (the broker here
 * aborts timed-out transactions only every 10 minutes, so the flag is what an operator sees).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runSamsa } from '@samsa/test-support/samsa-cli';
import type { Producer, Transaction } from 'kafkajs';
import { type ApiServer, startApiServer } from './api-server.ts';
import { call, seedUser } from './helpers.ts';
import {
  connectedAdmin,
  eventually,
  type Key,
  kafkaAs,
  type TenancyHub,
  startTenancyHub,
  tenantWithKey,
} from './tenancy-hub.ts';

let hub: TenancyHub;
let http: ApiServer;
let acmeKey: Key;
let member: string;
let rivalAdmin: string;
const producers: Producer[] = [];

before(async () => {
  hub = await startTenancyHub({ brokerArgs: ['--transaction-abort-timed-out-interval-ms', '600000'] });
  acmeKey = await tenantWithKey(hub, 'acme');
  await tenantWithKey(hub, 'rival');
  const acme = await call('/tenants/{tenant}', 'GET', { tenant: 'acme' }, { token: hub.admin });
  const rival = await call('/tenants/{tenant}', 'GET', { tenant: 'rival' }, { token: hub.admin });
  member = (await seedUser('dev@acme.example', { memberships: [{ tenantId: acme.body.id, role: 'TENANT_MEMBER' }] }))
    .token;
  rivalAdmin = (
    await seedUser('boss@rival.example', { memberships: [{ tenantId: rival.body.id, role: 'TENANT_ADMIN' }] })
  ).token;
  const created = await call(
    '/tenants/{tenant}/topics',
    'POST',
    { tenant: 'acme' },
    { token: hub.admin, body: { name: 'orders', partitions: 2 } },
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await (await connectedAdmin(kafkaAs(hub, acmeKey))).disconnect();
  http = await startApiServer();
});
after(async () => {
  await http?.close();
  for (const p of producers) await p.disconnect().catch(() => undefined);
  await hub?.close();
});

/** A KafkaJS transactional producer of tenant acme with a transaction open on `orders` partition 1. */
async function openTransaction(transactionalId: string, transactionTimeout: number, value: string) {
  const producer = kafkaAs(hub, acmeKey).producer({
    transactionalId,
    transactionTimeout,
    maxInFlightRequests: 1,
    idempotent: true,
  });
  producers.push(producer);
  await producer.connect();
  const txn: Transaction = await producer.transaction();
  await txn.send({ topic: 'orders', messages: [{ partition: 1, key: 'k', value }] });
  return txn;
}

function list(token: string, tenant = 'acme') {
  return call('/tenants/{tenant}/transactions', 'GET', { tenant }, { token });
}

function findTxn(body: any, id: string) {
  return body.transactions.find((t: { transactionalId: string }) => t.transactionalId === id);
}

test('an open transaction is listed to the tenant, with its producer, partitions and timeout', async () => {
  const startedMs = Date.now();
  const txn = await openTransaction('payments', 60_000, 'in-txn');
  {
    const res = await list(member);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const t = findTxn(res.body, 'payments');
    assert.ok(t, `payments is listed: ${JSON.stringify(res.body)}`);
    assert.equal(t.state, 'Ongoing');
    assert.equal(t.open, true);
    assert.deepEqual(t.partitions, [{ topic: 'orders', partition: 1 }], "the tenant's own topic name");
    assert.equal(t.timeoutMs, 60_000);
    assert.ok(t.producerId >= 0 && t.producerEpoch >= 0);
    assert.ok(t.startedAtMs >= startedMs - 1_000 && t.startedAtMs <= Date.now());
    assert.ok(t.openForMs >= 0 && t.openForMs < 60_000);
    assert.deepEqual(t.hanging, [], 'within its timeout: not hanging');
    assert.equal(res.body.hangingPartitions.length, 0);

    // Another tenant's admin cannot see acme's transactions, and its own list does not contain them.
    const refused = await list(rivalAdmin);
    assert.equal(refused.status, 404, JSON.stringify(refused.body));
    const own = await list(rivalAdmin, 'rival');
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.deepEqual(own.body.transactions, []);
    // The platform admin's cross-tenant view names the tenant.
    const all = await call('/transactions', 'GET', {}, { token: hub.admin });
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const inAll = findTxn(all.body, 'payments');
    assert.equal(inAll?.tenant, 'acme');
    assert.deepEqual(inAll?.partitions, [{ topic: 'orders', partition: 1 }]);
    const byMember = await call('/transactions', 'GET', {}, { token: member });
    assert.equal(byMember.status, 403);
  }
  assert.ok(txn, 'the transaction stays open for the next tests');
});

test('a member cannot abort; neither can another tenant', async () => {
  const abort = (token: string, tenant = 'acme') =>
    call(
      '/tenants/{tenant}/transactions/{transactionalId}/abort',
      'POST',
      { tenant, transactionalId: 'payments' },
      {
        token,
      },
    );
  const byMember = await abort(member);
  assert.equal(byMember.status, 403, JSON.stringify(byMember.body));
  const byRival = await abort(rivalAdmin);
  assert.equal(byRival.status, 404, JSON.stringify(byRival.body));
  // Through its own tenant, the rival names an id it does not have: not found, and nothing is created for it.
  const ownTenant = await abort(rivalAdmin, 'rival');
  assert.equal(ownTenant.status, 404, JSON.stringify(ownTenant.body));
  assert.deepEqual((await list(rivalAdmin, 'rival')).body.transactions, []);
  assert.equal(findTxn((await list(member)).body, 'payments').state, 'Ongoing', 'still open');
});

test('a tenant admin aborts the transaction: the producer is fenced, its records never committed, audited', async () => {
  const before = findTxn((await list(hub.admin)).body, 'payments');
  assert.equal(before.state, 'Ongoing');
  const producer = producers[0]!;
  const adminToken = (
    await seedUser('admin@acme.example', {
      memberships: [
        {
          tenantId: (await call('/tenants/{tenant}', 'GET', { tenant: 'acme' }, { token: hub.admin })).body.id,
          role: 'TENANT_ADMIN',
        },
      ],
    })
  ).token;
  const res = await call(
    '/tenants/{tenant}/transactions/{transactionalId}/abort',
    'POST',
    { tenant: 'acme', transactionalId: 'payments' },
    { token: adminToken },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.transactionalId, 'payments');
  assert.equal(res.body.previousState, 'Ongoing');
  assert.equal(res.body.aborted, true);
  assert.equal(res.body.producerId, before.producerId);
  assert.ok(res.body.producerEpoch > before.producerEpoch, 'the epoch was bumped');

  const after = findTxn((await list(member)).body, 'payments');
  assert.equal(after.open, false);
  // As in Kafka, the fence leaves the id Empty under its new epoch (the transaction was aborted on the way).
  assert.equal(after.state, 'Empty');
  assert.equal(after.producerEpoch, res.body.producerEpoch);

  // The zombie producer can no longer commit: its epoch is fenced.
  const kafka = kafkaAs(hub, acmeKey);
  await assert.rejects(
    (async () => {
      const txn = await producer.transaction().catch(() => null);
      if (txn) await txn.commit();
      else throw new Error('fenced');
    })(),
  );

  // A read_committed consumer sees a later committed record but never the aborted one.
  const plain = kafka.producer();
  producers.push(plain);
  await plain.connect();
  await plain.send({ topic: 'orders', messages: [{ partition: 1, key: 'k', value: 'after-abort' }] });
  const consumer = kafka.consumer({ groupId: 'checker', readUncommitted: false });
  const seen: string[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await eventually(() => seen.includes('after-abort'), 'the committed record is read', 20_000);
  } finally {
    await consumer.disconnect();
  }
  assert.ok(!seen.includes('in-txn'), `the aborted record is never read: ${JSON.stringify(seen)}`);

  const audit = await call('/tenants/{tenant}/audit', 'GET', { tenant: 'acme' }, { token: hub.admin });
  assert.equal(audit.status, 200, JSON.stringify(audit.body));
  const entry = JSON.stringify(audit.body);
  assert.match(entry, /transaction\.abort/);
  assert.match(entry, /admin@acme\.example/);
});

test('a transaction open longer than its timeout is flagged hanging; the platform admin aborts it', async () => {
  await openTransaction('slowpoke', 1_000, 'stuck');
  let t: any;
  await eventually(async () => {
    t = findTxn((await list(member)).body, 'slowpoke');
    return t?.hanging.length > 0;
  }, 'slowpoke is flagged hanging');
  assert.equal(t.state, 'Ongoing');
  assert.match(t.hanging[0], /longer than its transaction\.timeout\.ms of 1 s/);
  const res = await call(
    '/tenants/{tenant}/transactions/{transactionalId}/abort',
    'POST',
    { tenant: 'acme', transactionalId: 'slowpoke' },
    { token: hub.admin },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.aborted, true);
  const after = findTxn((await list(member)).body, 'slowpoke');
  assert.equal(after.open, false);
  assert.deepEqual(after.hanging, []);
});

test('samsa transaction list and abort, through the console', async () => {
  await openTransaction('cli-txn', 60_000, 'from-cli');
  const env = { SAMSA_URL: http.url, SAMSA_TOKEN: hub.admin, SAMSA_CREDENTIALS_FILE: '/nonexistent/credentials.json' };
  const listed = await runSamsa(['transaction', 'list', '--tenant', 'acme'], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^TRANSACTIONALID\s+STATE/m);
  assert.match(listed.stdout, /cli-txn\s+Ongoing\s+\d+\/\d+\s+orders-1/);
  const refused = await runSamsa(['transaction', 'abort', '--tenant', 'acme', 'cli-txn'], env);
  assert.equal(refused.code, 2, 'without --yes nothing is aborted');
  assert.match(refused.stderr, /add --yes/);
  const byMember = await runSamsa(['transaction', 'abort', '--tenant', 'acme', 'cli-txn', '--yes'], {
    ...env,
    SAMSA_TOKEN: member,
  });
  assert.notEqual(byMember.code, 0);
  assert.match(byMember.stderr, /admin/i);
  const aborted = await runSamsa(['transaction', 'abort', '--tenant', 'acme', 'cli-txn', '--yes', '--json'], env);
  assert.equal(aborted.code, 0, aborted.stderr);
  assert.equal(JSON.parse(aborted.stdout).aborted, true);
  const all = await runSamsa(['transaction', 'list', '--all', '--json'], env);
  assert.equal(all.code, 0, all.stderr);
  const t = JSON.parse(all.stdout).transactions.find((x: any) => x.transactionalId === 'cli-txn');
  assert.equal(t.tenant, 'acme');
  assert.equal(t.open, false);
});
