/**
 * Kafka 4.1.1's own `kafka-transactions` tool (org.apache.kafka.tools.TransactionsCommand) against a Samsa broker
 * with tenants (real Postgres, SASL): list, describe, describe-producers and find-hanging show a tenant only its
 * own transactional ids and partitions; a hanging transaction (open in a partition, unknown to the coordinator) is
 * found, a tenant may not abort it (WriteTxnMarkers is CLUSTER_ACTION), and the platform superuser aborts it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { brokerName } from '@samsa/cluster/namespace';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { type JavaResult, runJava } from '@samsa/kafka-harness/java';
import { type BrokerProcess, makeDataDir, startBroker } from '@samsa/test-support/broker-process';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { TransactionStore } from '../src/transactions/transaction-store.ts';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const TOOL = 'org.apache.kafka.tools.TransactionsCommand';
const SUPERUSER_PASSWORD = 'txn-tool-superuser';

let db: TestDatabase;
let fx: TenantFixtures;
let dataDir: string;
let workDir: string;
let broker: BrokerProcess;
let acmeKey: TestKey;
let globexKey: TestKey;

const brokerArgs = () => ['--database-url', db.url, '--group-initial-rebalance-delay-ms', '0'];
const brokerEnv = { SAMSA_SUPERUSER_PASSWORD: SUPERUSER_PASSWORD };

before(async () => {
  if (skip) return;
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  acmeKey = await fx.adminKey(await fx.tenant('acme'), 'acme-admin');
  globexKey = await fx.adminKey(await fx.tenant('globex'), 'globex-admin');
  dataDir = await makeDataDir();
  workDir = await mkdtemp(join(tmpdir(), 'samsa-txn-tool-'));
  broker = await startBroker({ dataDir, args: brokerArgs(), env: brokerEnv });
});

after(async () => {
  await broker?.cleanup();
  await fx?.close();
  await db?.drop();
  for (const dir of [dataDir, workDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

/** A client properties file signing in with SASL/PLAIN as `username`. */
async function propertiesFor(username: string, password: string): Promise<string> {
  const file = join(workDir, `${username}.properties`);
  await writeFile(
    file,
    [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=PLAIN',
      `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${username}" password="${password}";`,
      '',
    ].join('\n'),
  );
  return file;
}

/** Runs kafka-transactions as `who` (a properties file) with a subcommand and its arguments. */
async function transactions(who: string, args: string[]): Promise<JavaResult> {
  return runJava(TOOL, ['--bootstrap-server', broker.bootstrap, '--command-config', who, ...args], {
    timeoutMs: 60_000,
  });
}

async function ok(who: string, args: string[]): Promise<string[][]> {
  const r = await transactions(who, args);
  assert.equal(r.code, 0, `kafka-transactions ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  // A table: a header row, then rows of tab-separated, space-padded cells.
  return r.stdout
    .trim()
    .split('\n')
    .map((line) =>
      line
        .replace(/\t$/, '')
        .split('\t')
        .map((cell) => cell.trim()),
    );
}

function kafkaAs(key: TestKey): Kafka {
  return new Kafka({
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: key.keyId, password: key.secret },
  });
}

/** Creates `orders` for the tenant, commits one transaction of `transactionalId`; with `leaveOpen`, opens another. */
async function tenantTransactions(key: TestKey, transactionalId: string, leaveOpen: boolean): Promise<bigint | null> {
  const kafka = kafkaAs(key);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  try {
    const committed = await producer.transaction();
    await committed.send({ topic: 'orders', messages: [{ key: 'k', value: 'committed' }] });
    await committed.commit();
    if (!leaveOpen) return null;
    const open = await producer.transaction();
    const [meta] = await open.send({ topic: 'orders', messages: [{ key: 'k', value: 'left-open' }] });
    return BigInt(meta!.baseOffset!);
  } finally {
    await producer.disconnect();
  }
}

test('kafka-transactions list, describe, describe-producers, find-hanging and abort, per tenant', {
  skip,
  timeout: 300_000,
}, async () => {
  const openStart = await tenantTransactions(acmeKey, 'acme-tx', true);
  await tenantTransactions(globexKey, 'globex-tx', false);
  const acme = await propertiesFor(acmeKey.keyId, acmeKey.secret);
  const globex = await propertiesFor(globexKey.keyId, globexKey.secret);
  const superuser = await propertiesFor('admin', SUPERUSER_PASSWORD);

  // list: each tenant sees its own transactional ids, under its own names.
  const listed = await ok(acme, ['list']);
  assert.deepEqual(listed[0], ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState']);
  assert.deepEqual(
    listed.slice(1).map((r) => [r[0], r[3]]),
    [['acme-tx', 'Ongoing']],
  );
  assert.deepEqual(
    (await ok(globex, ['list'])).slice(1).map((r) => [r[0], r[3]]),
    [['globex-tx', 'CompleteCommit']],
  );

  // describe: the open transaction and its partition; another tenant's id is not found.
  const described = await ok(acme, ['describe', '--transactional-id', 'acme-tx']);
  const row = Object.fromEntries(described[0]!.map((h, i) => [h, described[1]![i]]));
  assert.equal(row.TransactionState, 'Ongoing');
  assert.equal(row.TopicPartitions, 'orders-0');
  const producerId = row.ProducerId!;
  const other = await transactions(globex, ['describe', '--transactional-id', 'acme-tx']);
  assert.notEqual(other.code, 0, "globex cannot describe acme's transactional id");

  // describe-producers: the partition's producer and the start offset of its open transaction.
  const producers = await ok(acme, ['describe-producers', '--topic', 'orders', '--partition', '0']);
  assert.deepEqual(producers[0], [
    'ProducerId',
    'ProducerEpoch',
    'LatestCoordinatorEpoch',
    'LastSequence',
    'LastTimestamp',
    'CurrentTransactionStartOffset',
  ]);
  const ours = producers.slice(1).find((r) => r[0] === producerId);
  assert.equal(ours?.[5], String(openStart), 'the open transaction starts where the client wrote it');

  // The coordinator's view is what find-hanging compares with: the transaction is ongoing there, so not hanging.
  const findHanging = (who: string) => ok(who, ['find-hanging', '--topic', 'orders', '--max-transaction-timeout', '0']);
  assert.deepEqual((await findHanging(acme)).slice(1), [], 'an ongoing transaction the coordinator knows');

  // Make it hang as a lost marker would: the coordinator forgets the partition (its state rewritten while the broker
  // is down), while the partition still holds the open transaction.
  assert.equal(await broker.stop(), 0);
  const { store, records } = await TransactionStore.open(join(dataDir, 'transactions'), pino({ level: 'silent' }));
  const record = records.find((r) => r.id === brokerName('acme', 'acme-tx'));
  assert.ok(record, 'the transactional id is stored in the tenant namespace');
  await store.write({ ...record, state: 'CompleteAbort', partitions: [], pendingOffsets: {} });
  await store.close();
  broker = await startBroker({ dataDir, args: brokerArgs(), env: brokerEnv });

  const hanging = await findHanging(acme);
  assert.deepEqual(hanging[0], [
    'Topic',
    'Partition',
    'ProducerId',
    'ProducerEpoch',
    'CoordinatorEpoch',
    'StartOffset',
    'LastTimestamp',
    'Duration(min)',
  ]);
  assert.deepEqual(
    hanging.slice(1).map((r) => [r[0], r[1], r[2], r[5]]),
    [['orders', '0', producerId, String(openStart)]],
  );
  assert.deepEqual((await findHanging(globex)).slice(1), [], "globex's orders is another partition: nothing hangs");

  // abort: a tenant is refused (CLUSTER_ACTION); the superuser aborts it by its start offset.
  const refused = await transactions(acme, [
    'abort',
    '--topic',
    'orders',
    '--partition',
    '0',
    '--start-offset',
    String(openStart),
  ]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stdout + refused.stderr, /failed due to cluster authorization error/);
  assert.equal((await findHanging(acme)).length, 2, 'the refused abort changed nothing');
  await ok(superuser, [
    'abort',
    '--topic',
    brokerName('acme', 'orders'),
    '--partition',
    '0',
    '--start-offset',
    String(openStart),
  ]);
  assert.deepEqual((await findHanging(acme)).slice(1), [], 'nothing hangs after the abort');
  const after = await ok(acme, ['describe-producers', '--topic', 'orders', '--partition', '0']);
  assert.equal(after.slice(1).find((r) => r[0] === producerId)?.[5], 'None', 'no open transaction is left');

  // A read_committed consumer of the tenant now reads past it: the LSO moved, the aborted record is not delivered.
  const plain = kafkaAs(acmeKey).producer();
  await plain.connect();
  await plain.send({ topic: 'orders', messages: [{ key: 'k', value: 'after' }] });
  await plain.disconnect();
  const consumer = kafkaAs(acmeKey).consumer({ groupId: 'orders-reader' });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
          if (seen.includes('after')) resolve();
        },
      });
    });
    assert.deepEqual(seen, ['committed', 'after']);
  } finally {
    await consumer.disconnect();
  }
});
