/**
 * Attack: one tenant freezes lag monitoring for every tenant. A raw client joins a consumer group of its own
 * ("evil.bad") with protocol type "consumer" and hands itself assignment bytes that are not a consumer-protocol
 * payload. Before the fix the client library threw while decoding them inside its socket callback, the
 * DescribeGroups call never settled, and the collector never ran another pass, even after the member left.
 * Here, against a real broker process, the collector runs on its own timer while the bad member is in its group:
 * another tenant's healthy group ("acme.billing") keeps getting fresh lag, the bad group carries its own error,
 * and after the bad member leaves everything is clean again.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { LagCollector } from '../src/collector.ts';
import { KafkaGroupAdmin } from '@samsa/cluster';
import { slugTenantResolver } from '../src/tenants.ts';
import { GARBAGE_ASSIGNMENT, joinWithAssignment } from '@samsa/test-support/bad-member';

let broker: BrokerProcess;
let kafka: Kafka;
let producer: Producer;
let admin: KafkaGroupAdmin;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  broker = await startBroker({ args: ['--group-initial-rebalance-delay-ms', '0'] });
  kafka = new Kafka({ clientId: 'bad-group-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const ka = kafka.admin();
  await ka.connect();
  await ka.createTopics({ topics: [{ topic: 'acme.orders', numPartitions: 1 }] });
  await ka.setOffsets({ groupId: 'acme.billing', topic: 'acme.orders', partitions: [{ partition: 0, offset: '0' }] });
  await ka.disconnect();
  producer = kafka.producer();
  await producer.connect();
  admin = new KafkaGroupAdmin({ bootstrapBrokers: [broker.bootstrap], requestTimeoutMs: 2_000 });
});
after(async () => {
  await producer?.disconnect();
  await admin?.close();
  await broker?.cleanup();
});

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test("a member with malformed assignment bytes is its own group's error; other tenants' lag keeps updating", async (t) => {
  const collector = new LagCollector({
    source: admin,
    intervalMs: 200,
    passTimeoutMs: 3_000,
    requestTimeoutMs: 2_000,
    tenants: {
      resolve: slugTenantResolver(
        new Map([
          ['acme', 'tenant-acme'],
          ['evil', 'tenant-evil'],
        ]),
      ),
    },
  });
  collector.start();
  try {
    await producer.send({ topic: 'acme.orders', messages: [{ value: 'a' }, { value: 'b' }] });
    await until('the healthy group at lag 2', () => collector.evaluator.get('acme.billing')?.totalLag === 2);

    const bad = await joinWithAssignment(broker.port, 'evil.bad', GARBAGE_ASSIGNMENT);
    const { memberId, syncError } = bad;
    if (syncError !== 0) {
      // A broker that checks assignments refuses the bytes outright; the collector must be unaffected either way
      // (the decoder itself is tested on these bytes in consumer-protocol.test.ts).
      t.diagnostic(`the broker refused the malformed assignment (error ${syncError})`);
    } else {
      const e = await until('the bad group carrying its error', () => {
        const g = collector.evaluator.get('evil.bad');
        return g?.error ? g : undefined;
      });
      assert.match(e.error ?? '', /not a valid consumer-protocol payload/);
      assert.match(e.error ?? '', new RegExp(memberId));
      assert.equal(e.tenantId, 'tenant-evil');
      assert.equal(e.members, 1, 'the bad member is still listed, without an assignment');
    }

    // While the bad member is in its group, the other tenant's lag keeps moving pass after pass.
    const passesBefore = collector.passesOk;
    await producer.send({ topic: 'acme.orders', messages: [{ value: 'c' }, { value: 'd' }, { value: 'e' }] });
    const healthy = await until('the healthy group at lag 5', () => {
      const g = collector.evaluator.get('acme.billing');
      return g?.totalLag === 5 ? g : undefined;
    });
    assert.equal(healthy.error, null);
    assert.equal(healthy.tenantId, 'tenant-acme');
    await until('more passes', () => collector.passesOk >= passesBefore + 3);
    assert.equal(collector.health().lastError, null);
    assert.equal(collector.health().passesFailed, 0);

    // The bad member leaves: the group has no error any more and collection goes on.
    await bad.leave();
    await until('the bad group without error', () => {
      const g = collector.evaluator.get('evil.bad');
      return (!g || g.error === null) && collector.health().groupsWithErrors === 0;
    });
    await producer.send({ topic: 'acme.orders', messages: [{ value: 'f' }] });
    await until('the healthy group at lag 6', () => collector.evaluator.get('acme.billing')?.totalLag === 6);
  } finally {
    await collector.stop();
  }
});

test('offsets a group kept on a deleted topic leave the other groups measured', async () => {
  const ka = kafka.admin();
  await ka.connect();
  await ka.createTopics({ topics: [{ topic: 'evil.ghost', numPartitions: 1 }] });
  await ka.setOffsets({ groupId: 'evil.ghosts', topic: 'evil.ghost', partitions: [{ partition: 0, offset: '0' }] });
  await ka.deleteTopics({ topics: ['evil.ghost'] });
  await ka.disconnect();
  const collector = new LagCollector({ source: admin, requestTimeoutMs: 2_000 });
  const before = (await collector.collectOnce()).evaluations.find((e) => e.groupId === 'acme.billing');
  await producer.send({ topic: 'acme.orders', messages: [{ value: 'g' }] });
  const pass = await collector.collectOnce();
  const billing = pass.evaluations.find((e) => e.groupId === 'acme.billing');
  assert.equal(billing?.totalLag, (before?.totalLag ?? 0) + 1, 'the healthy group is measured');
  assert.equal(billing?.error, null);
  const ghosts = pass.evaluations.find((e) => e.groupId === 'evil.ghosts');
  assert.match(ghosts?.error ?? '', /end offsets of evil\.ghost could not be read/);
  assert.equal(collector.health().passesFailed, 0);
});
