/**
 * Managed mode against a real Apache Kafka (one KRaft node, SASL/SCRAM and the StandardAuthorizer): tenants, keys,
 * ACL bindings and a quota in Postgres are reconciled onto the cluster through the Admin API, as an admin principal
 * with only the rights the README lists (not a super user), and checked with
 * Kafka's own tools (kafka-acls, kafka-configs) over the PLAINTEXT listener. A tenant's key signs in to Kafka as its
 * SCRAM user, produces and consumes with prefixed names, and is refused on another tenant's prefix; an ACL and a
 * credential deleted behind Samsa's back are drift, repaired by the next reconcile; a reconcile with nothing changed
 * changes nothing; deleting the tenant removes its topics, group, ACLs, users and quotas and nothing of the other's.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClusterConnection } from '@samsa/cluster';
import { type ReconcileReport, reconcileFromDb } from '@samsa/cluster/managed';
import { createDb, type Db } from '@samsa/db';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { createTopicsWithLeaders } from '@samsa/kafka-harness/create-topics';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { runJava } from '@samsa/kafka-harness/java';
import { kafkaSecurityView } from '@samsa/kafka-harness/kafka-view';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { grantManagedAdmin } from '@samsa/kafka-harness/managed-admin';
import { eventually } from '@samsa/test-support/eventually';
import { type TestKey, TenantFixtures } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const SUPERUSER = { name: 'admin', password: 'admin-secret' };
/** The control plane's admin principal: not a super user, only the rights the README lists. */
const CONTROL = { name: 'samsa-control', password: 'control-secret' };
let kafka: KafkaCluster;
let database: TestDatabase;
let db: Db;
let fixtures: TenantFixtures;
const secretsKey = secretKeyFromEnv({ SAMSA_SECRETS_KEY: generateSecretKey() });
let connection: ClusterConnection;
let acmeId: string;
let globexId: string;
let app: TestKey;
let ops: TestKey;
let legacy: TestKey;
let globex: TestKey;

before(
  async () => {
    if (skip) return;
    [kafka, database] = await Promise.all([
      startKafka({ sasl: { superuser: SUPERUSER, users: [CONTROL] } }),
      createTestDatabase(),
    ]);
    await grantManagedAdmin(kafka.bootstrap, CONTROL.name);
    db = createDb(database.url, { poolMax: 2 });
    fixtures = new TenantFixtures(database.url);
    connection = {
      bootstrapBrokers: kafka.saslBootstrap!.split(','),
      sasl: { mechanism: 'SCRAM-SHA-512', username: CONTROL.name, password: CONTROL.password },
      clientId: 'samsa-reconcile-test',
      requestTimeoutMs: 10_000,
    };
    acmeId = await fixtures.tenant('acme', { produceBytesPerSec: 1_048_576, fetchBytesPerSec: 2_097_152 });
    app = await fixtures.key(acmeId, 'app', { secretsKey });
    await fixtures.acl(acmeId, 'User:app', 'TOPIC', 'orders', 'WRITE');
    await fixtures.acl(acmeId, 'User:app', 'TOPIC', 'orders', 'READ');
    await fixtures.acl(acmeId, 'User:app', 'GROUP', 'workers', 'READ', { patternType: 'PREFIXED' });
    ops = await fixtures.key(acmeId, 'ops', { secretsKey });
    await fixtures.admin(acmeId, 'ops');
    legacy = await fixtures.key(acmeId, 'legacy');
    globexId = await fixtures.tenant('globex');
    globex = await fixtures.key(globexId, 'billing', { secretsKey });
    await fixtures.acl(globexId, 'User:billing', 'TOPIC', '*', 'ALL');
  },
  { timeout: 180_000 },
);

after(async () => {
  await db?.$disconnect();
  await fixtures?.close();
  await kafka?.stop();
  await database?.drop();
});

/** A Kafka client signed in as a tenant's key: its SCRAM user on the cluster, with the key's secret. */
function as(slug: string, key: TestKey, mechanism: 'scram-sha-256' | 'scram-sha-512' = 'scram-sha-512') {
  return new Kafka({
    clientId: `${slug}-client`,
    brokers: kafka.saslBootstrap!.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 200 },
    sasl: { mechanism, username: `samsa.${slug}.${key.keyId}`, password: key.secret },
  } as ConstructorParameters<typeof Kafka>[0]);
}

/** Kafka's own view over the PLAINTEXT listener: the ACLs of Samsa's users (the control principal's own grants left out). */
function kafkaView() {
  return kafkaSecurityView(kafka.bootstrap, ' User:samsa.');
}

/** A reconcile of everything in the database, as the CLI runs it (recorded in the audit log, which also dates it). */
function reconcileAll(options: { dryRun?: boolean } = {}): Promise<ReconcileReport> {
  return reconcileFromDb(db, connection, { secretsKey, actorEmail: 'operator@example.com', ...options });
}

/** Whether `run` succeeds; Kafka applies credentials and ACLs from its metadata log a moment after the change. */
async function works(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch {
    return false;
  }
}

/** Whether a kafkajs failure is Kafka's authorizer saying no (TOPIC_AUTHORIZATION_FAILED, ...). */
function notAuthorized(err: { type?: string; message?: string; errors?: { type?: string }[] }): boolean {
  const types = [err.type, ...(err.errors ?? []).map((e) => e.type)];
  assert.ok(
    types.some((t) => t?.endsWith('AUTHORIZATION_FAILED')) || /^Not authorized/.test(err.message ?? ''),
    `not an authorization failure: ${err.message} ${types}`,
  );
  return true;
}

async function produce(client: Kafka, topic: string, value: string): Promise<void> {
  const producer = client.producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ value }] });
  } finally {
    await producer.disconnect();
  }
}

const appUser = () => `samsa.acme.${app.keyId}`;
const appAcl = (op: string, resource: string) => `ALLOW User:${appUser()} ${op} ${resource}`;
let first: ReconcileReport;

test('a reconcile places keys, ACLs and quotas; Kafka lists them and the keys work with prefixed names only', {
  skip,
  timeout: 240_000,
}, async () => {
  const dry = await reconcileAll({ dryRun: true });
  assert.ok(dry.created.length > 0);
  assert.equal((await kafkaView()).acls.length, 0, 'a dry run changes nothing');
  first = await reconcileAll();
  assert.deepEqual(first.created, dry.created, 'the dry run listed what the reconcile did');
  assert.deepEqual(first.errors, []);
  assert.deepEqual(first.repaired, []);
  assert.deepEqual(first.deleted, []);
  assert.deepEqual(
    first.skipped.map((s) => [s.tenant, s.what]),
    [['acme', `API key ${legacy.keyId}`]],
    'the key made without the secrets key is reported, not placed',
  );

  const view = await kafkaView();
  const opsPrincipal = `User:samsa.acme.${ops.keyId}`;
  assert.deepEqual(
    view.acls,
    [
      `ALLOW ${opsPrincipal} ALL GROUP PREFIXED acme.`,
      `ALLOW ${opsPrincipal} ALL TOPIC PREFIXED acme.`,
      `ALLOW ${opsPrincipal} ALL TRANSACTIONAL_ID PREFIXED acme.`,
      appAcl('READ', 'GROUP PREFIXED acme.workers'),
      appAcl('READ', 'TOPIC LITERAL acme.orders'),
      appAcl('WRITE', 'TOPIC LITERAL acme.orders'),
      `ALLOW User:samsa.globex.${globex.keyId} ALL TOPIC PREFIXED globex.`,
    ].sort(),
  );
  for (const user of [appUser(), `samsa.acme.${ops.keyId}`, `samsa.globex.${globex.keyId}`])
    assert.equal(view.scram.get(user), 'SCRAM-SHA-256=iterations=4096, SCRAM-SHA-512=iterations=4096', user);
  assert.ok(!view.scram.has(`samsa.acme.${legacy.keyId}`));
  assert.match(view.quotas.get(appUser()) ?? '', /producer_byte_rate=1048576\.0/);
  assert.match(view.quotas.get(appUser()) ?? '', /consumer_byte_rate=2097152\.0/);
  assert.ok(!view.quotas.has(`samsa.globex.${globex.keyId}`), 'globex has no quota');
  const audited = await db.auditLog.findMany({ where: { action: 'cluster.reconcile' }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    audited.map((a) => a.tenantId),
    [acmeId, globexId, null],
    "each tenant's changes, then the cluster's run",
  );
  assert.ok(
    (audited[0]!.after as { created: string[] }).created.includes(`set SCRAM-SHA-512 credentials of user ${appUser()}`),
  );

  // The tenant admin key creates topics under its prefix only; the app key produces and consumes with its group.
  const opsAdmin = as('acme', ops).admin();
  await eventually(() => works(() => opsAdmin.connect()), 'the ops key signing in to Kafka', 30_000);
  try {
    await createTopicsWithLeaders(opsAdmin, [{ topic: 'acme.orders', numPartitions: 1 }]);
    await assert.rejects(opsAdmin.createTopics({ topics: [{ topic: 'globex.stolen' }] }), notAuthorized);
  } finally {
    await opsAdmin.disconnect();
  }
  const globexAdmin = as('globex', globex).admin();
  await eventually(() => works(() => globexAdmin.connect()), 'the globex key signing in', 30_000);
  await createTopicsWithLeaders(globexAdmin, [{ topic: 'globex.payments' }]);
  await globexAdmin.disconnect();

  const appClient = as('acme', app, 'scram-sha-256');
  await eventually(() => works(() => produce(appClient, 'acme.orders', 'order-1')), 'the app key producing', 30_000);
  await assert.rejects(produce(appClient, 'globex.payments', 'sneaky'), notAuthorized);
  await assert.rejects(produce(as('acme', ops), 'globex.payments', 'sneaky'), notAuthorized, 'the tenant admin too');

  const consumer = appClient.consumer({ groupId: 'acme.workers-1' });
  const seen: string[] = [];
  let crash: unknown;
  // A crash kafkajs restarts from (a retriable error, as while __consumer_offsets is still loading) is not the test's.
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) crash = e.payload.error;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: 'acme.orders', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await eventually(
      () => {
        assert.equal(crash, undefined, 'the consumer stopped for good');
        return seen.includes('order-1');
      },
      'the app key consuming acme.orders in group acme.workers-1',
      60_000,
    );
  } finally {
    await consumer.disconnect();
  }
});

test('an ACL and a credential deleted behind Samsa’s back are drift, repaired by the next reconcile', {
  skip,
  timeout: 240_000,
}, async () => {
  assert.ok(first, 'the first test placed the tenants');
  const removed = await runJava('org.apache.kafka.tools.AclCommand', [
    '--bootstrap-server',
    kafka.bootstrap,
    '--remove',
    '--force',
    '--allow-principal',
    `User:${appUser()}`,
    '--operation',
    'WRITE',
    '--topic',
    'acme.orders',
  ]);
  assert.equal(removed.code, 0, removed.stderr);
  const dropped = await runJava('kafka.admin.ConfigCommand', [
    '--bootstrap-server',
    kafka.bootstrap,
    '--alter',
    '--entity-type',
    'users',
    '--entity-name',
    appUser(),
    '--delete-config',
    'SCRAM-SHA-256',
  ]);
  assert.equal(dropped.code, 0, dropped.stderr);
  const appClient = as('acme', app);
  await eventually(
    async () => !(await works(() => produce(appClient, 'acme.orders', 'refused'))),
    'the write refused',
    30_000,
  );

  const second = await reconcileAll();
  assert.deepEqual(second.errors, []);
  assert.deepEqual(second.created, [], 'nothing new');
  assert.deepEqual(second.deleted, []);
  assert.deepEqual(second.repaired.map((c) => c.what).sort(), [
    `create ACL ALLOW User:${appUser()} WRITE on TOPIC LITERAL 'acme.orders' from *`,
    `set SCRAM-SHA-256 credentials of user ${appUser()}`,
  ]);
  const view = await kafkaView();
  assert.ok(view.acls.includes(appAcl('WRITE', 'TOPIC LITERAL acme.orders')));
  assert.equal(view.scram.get(appUser()), 'SCRAM-SHA-256=iterations=4096, SCRAM-SHA-512=iterations=4096');
  await eventually(
    () => works(() => produce(as('acme', app, 'scram-sha-256'), 'acme.orders', 'order-2')),
    'the app key producing again with SCRAM-SHA-256',
    30_000,
  );

  const third = await reconcileAll();
  assert.deepEqual(
    { created: third.created, repaired: third.repaired, deleted: third.deleted, errors: third.errors },
    { created: [], repaired: [], deleted: [], errors: [] },
    'a reconcile with nothing changed changes nothing',
  );
  assert.deepEqual(third.topics, { acme: ['acme.orders'], globex: ['globex.payments'] });
});

test('a revoked key loses its user and ACLs; deleting the tenant removes everything under its prefix', {
  skip,
  timeout: 240_000,
}, async () => {
  assert.ok(first, 'the first test placed the tenants');
  await fixtures.revoke(ops.keyId);
  const revoked = await reconcileAll();
  assert.deepEqual(revoked.errors, []);
  assert.deepEqual(revoked.deleted.map((c) => c.kind).sort(), [
    'alterQuota',
    'deleteAcl',
    'deleteAcl',
    'deleteAcl',
    'deleteScram',
    'deleteScram',
  ]);
  let view = await kafkaView();
  assert.ok(!view.scram.has(`samsa.acme.${ops.keyId}`));
  assert.ok(!view.acls.some((a) => a.includes(ops.keyId)));

  await db.tenant.update({ where: { id: acmeId }, data: { status: 'DELETING' } });
  const removal = await reconcileAll();
  assert.deepEqual(removal.errors, []);
  const kinds = removal.deleted.map((c) => c.what);
  assert.ok(kinds.includes('delete topic acme.orders'), kinds.join('\n'));
  assert.ok(kinds.includes('delete group acme.workers-1'), kinds.join('\n'));

  const superAdmin = new Kafka({ brokers: kafka.bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
  await superAdmin.connect();
  try {
    await eventually(
      async () => !(await superAdmin.listTopics()).includes('acme.orders'),
      'acme.orders deleted',
      30_000,
    );
    assert.ok((await superAdmin.listTopics()).includes('globex.payments'), "the other tenant's topic stays");
    const groups = (await superAdmin.listGroups()).groups.map((g) => g.groupId);
    assert.ok(!groups.includes('acme.workers-1'), groups.join(','));
  } finally {
    await superAdmin.disconnect();
  }
  view = await kafkaView();
  assert.deepEqual(view.acls, [`ALLOW User:samsa.globex.${globex.keyId} ALL TOPIC PREFIXED globex.`]);
  assert.deepEqual(
    [...view.scram.keys()].filter((u) => u.startsWith('samsa.')),
    [`samsa.globex.${globex.keyId}`],
  );
  assert.deepEqual(
    [...view.quotas.keys()].filter((u) => u.startsWith('samsa.acme.')),
    [],
  );
  await assert.rejects(produce(as('acme', app), 'acme.orders', 'gone'));
});

test('a tenant deleted from Samsa before a reconcile saw it loses its users, ACLs and quotas; its topics are reported, not deleted', {
  skip,
  timeout: 240_000,
}, async () => {
  const initechId = await fixtures.tenant('initech', { produceBytesPerSec: 4096 });
  const initech = await fixtures.key(initechId, 'app', { secretsKey });
  await fixtures.acl(initechId, 'User:app', 'TOPIC', '*', 'ALL');
  const placed = await reconcileAll();
  assert.deepEqual(placed.errors, []);
  const initechUser = `samsa.initech.${initech.keyId}`;
  assert.ok((await kafkaView()).scram.has(initechUser));
  const superAdmin = new Kafka({ brokers: kafka.bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
  await superAdmin.connect();
  try {
    await createTopicsWithLeaders(superAdmin, [{ topic: 'initech.reports' }]);
    // The console's deletion job finished (rows gone, TenantDeletion kept) without a reconcile in between.
    await db.tenantDeletion.create({
      data: { tenantId: initechId, slug: 'initech', requestedByEmail: 'ops@example.com', finishedAt: new Date() },
    });
    await db.tenant.delete({ where: { id: initechId } });

    const after = await reconcileAll();
    assert.deepEqual(after.errors, []);
    assert.deepEqual(after.deleted.map((c) => c.what).sort(), [
      `delete ACL ALLOW User:${initechUser} ALL on TOPIC PREFIXED 'initech.' from *`,
      `delete SCRAM-SHA-256 credentials of user ${initechUser}`,
      `delete SCRAM-SHA-512 credentials of user ${initechUser}`,
      `quota of user ${initechUser}: producer_byte_rate removed`,
    ]);
    assert.deepEqual(
      after.skipped.filter((s) => s.tenant === 'initech').map((s) => s.what),
      ['topic initech.reports'],
    );
    assert.ok((await superAdmin.listTopics()).includes('initech.reports'), 'the topic is left');
    const view = await kafkaView();
    assert.ok(!view.scram.has(initechUser));
    assert.ok(!view.quotas.has(initechUser));
    assert.ok(!view.acls.some((a) => a.includes(initechUser)));
    const entry = await db.auditLog.findFirst({
      where: { action: 'cluster.reconcile', targetType: 'tenant', targetId: 'initech' },
      orderBy: { id: 'desc' },
    });
    assert.ok(entry, 'audited by slug');
    assert.equal((entry.after as { deleted: string[] }).deleted.length, 4);
  } finally {
    await superAdmin.disconnect();
  }
});
