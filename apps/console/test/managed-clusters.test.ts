/**
 * Managed clusters in the console against a real Apache Kafka (one KRaft node, SASL/SCRAM, the StandardAuthorizer)
 * and a real Postgres, through the console's REST handlers. Registering checks the admin principal first: a wrong
 * password or missing rights store nothing; the stored password is sealed and never returned or audited; tenant
 * users are refused. Then a tenant, a key, an ACL binding and a quota made through the API are placed by the
 * reconcile loop (started as the console's server starts it), checked with Kafka's own kafka-acls and kafka-configs;
 * the key produces directly to Kafka with prefixed names and is refused on another tenant's prefix. An ACL deleted
 * with kafka-acls is repaired by the loop and shown as drift on the cluster's page (its API), and in the audit log.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runJava } from '@samsa/kafka-harness/java';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { freePort, type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { grantManagedAdmin } from '@samsa/kafka-harness/managed-admin';
import { kafkaSecurityView } from '@samsa/kafka-harness/kafka-view';
import { eventually } from '@samsa/test-support/eventually';
import { runSamsa } from '@samsa/test-support/samsa-cli';
import { Kafka, logLevel } from 'kafkajs';
import { type ApiServer, startApiServer } from './api-server.ts';
import { call, type Harness, seedUser, startHarness } from './helpers.ts';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const SUPERUSER = { name: 'admin', password: 'admin-secret' };
const CONTROL = { name: 'samsa-control', password: 'control-secret-7f3a' };
/** A principal that may sign in but holds no rights. */
const WEAK = { name: 'weakling', password: 'weak-secret' };

let kafka: KafkaCluster;
let harness: Harness;
let admin: string;
let tenantAdmin: string;
let appKey: { keyId: string; secret: string };

before(
  async () => {
    if (skip) return;
    [kafka, harness] = await Promise.all([
      startKafka({ sasl: { superuser: SUPERUSER, users: [CONTROL, WEAK] } }),
      startHarness({ SAMSA_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') }),
    ]);
    await grantManagedAdmin(kafka.bootstrap, CONTROL.name);
    admin = (await seedUser('root@example.com', { platformAdmin: true })).token;
    const created = await call('/tenants', 'POST', {}, { token: admin, body: { slug: 'acme', displayName: 'Acme' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const globex = await call('/tenants', 'POST', {}, { token: admin, body: { slug: 'globex', displayName: 'G' } });
    assert.equal(globex.status, 201, JSON.stringify(globex.body));
    tenantAdmin = (
      await seedUser('ta@example.com', { memberships: [{ tenantId: created.body.id, role: 'TENANT_ADMIN' }] })
    ).token;
  },
  { timeout: 180_000 },
);

after(async () => {
  const { stopClusterReconcileLoop } = await import('../src/features/clusters/reconcile-loop.ts');
  await stopClusterReconcileLoop();
  await harness?.close();
  await kafka?.stop();
});

const registration = (password: string, username = CONTROL.name) => ({
  name: 'main',
  bootstrap: kafka.saslBootstrap!,
  saslMechanism: 'SCRAM-SHA-512',
  saslUsername: username,
  saslPassword: password,
  reconcileIntervalMs: 5_000,
});

async function clusterRows() {
  const { db } = await import('../src/server/db.ts');
  return db().kafkaCluster.findMany();
}

test('registering checks the admin principal; the password is sealed, never returned or audited; tenant users are refused', {
  skip,
  timeout: 120_000,
}, async () => {
  const wrong = await call('/clusters', 'POST', {}, { token: admin, body: registration('not-the-password') });
  assert.equal(wrong.status, 400, JSON.stringify(wrong.body));
  assert.match(wrong.body.error.message, /refused the sign-in of 'samsa-control' with SCRAM-SHA-512/);
  assert.deepEqual(await clusterRows(), [], 'nothing stored');

  const weak = await call('/clusters', 'POST', {}, { token: admin, body: registration(WEAK.password, WEAK.name) });
  assert.equal(weak.status, 400, JSON.stringify(weak.body));
  assert.match(weak.body.error.message, /'weakling' lacks rights a reconcile needs: ALTER on the cluster/);
  assert.match(weak.body.error.message, /DESCRIBE_CONFIGS on the cluster/);
  assert.deepEqual(await clusterRows(), [], 'nothing stored');

  const byTenantAdmin = await call(
    '/clusters',
    'POST',
    {},
    { token: tenantAdmin, body: registration(CONTROL.password) },
  );
  assert.equal(byTenantAdmin.status, 403);
  assert.equal((await call('/clusters', 'GET', {}, { token: tenantAdmin })).status, 403);
  assert.deepEqual(await clusterRows(), []);

  const ok = await call('/clusters', 'POST', {}, { token: admin, body: registration(CONTROL.password) });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.name, 'main');
  assert.equal(ok.body.security, 'SASL_PLAINTEXT');
  const [row] = await clusterRows();
  assert.ok(row);
  assert.ok(!JSON.stringify(row).includes(CONTROL.password), 'the row holds no plaintext password');
  assert.match(row.saslPasswordSealed, /^v1:/);
  for (const res of [
    ok,
    await call('/clusters', 'GET', {}, { token: admin }),
    await call('/clusters/{cluster}', 'GET', { cluster: 'main' }, { token: admin }),
  ]) {
    assert.equal(res.status, 200 + (res === ok ? 1 : 0));
    assert.ok(!JSON.stringify(res.body).includes(CONTROL.password), 'the API never returns the password');
    assert.ok(!JSON.stringify(res.body).includes(row.saslPasswordSealed), 'nor its sealed form');
  }
  const audit = await call('/audit', 'GET', {}, { token: admin });
  assert.ok(audit.body.some((e: { action: string }) => e.action === 'cluster.register'));
  assert.ok(!JSON.stringify(audit.body).includes(CONTROL.password), 'the audit log holds no password');
  const again = await call('/clusters', 'POST', {}, { token: admin, body: registration(CONTROL.password) });
  assert.equal(again.status, 409);
  for (const [path, method, params] of [
    ['/clusters/{cluster}', 'GET', { cluster: 'main' }],
    ['/clusters/{cluster}/reconcile', 'POST', { cluster: 'main' }],
    ['/clusters/{cluster}', 'DELETE', { cluster: 'main' }],
  ] as const)
    assert.equal(
      (await call(path, method, params, { token: tenantAdmin, body: method === 'GET' ? undefined : {} })).status,
      403,
      `${method} ${path}`,
    );
});

/** The cluster's page as the API gives it. */
async function clusterPage() {
  const res = await call('/clusters/{cluster}', 'GET', { cluster: 'main' }, { token: admin });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

function as(slug: string, key: { keyId: string; secret: string }) {
  return new Kafka({
    clientId: `${slug}-client`,
    brokers: kafka.saslBootstrap!.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 200 },
    sasl: { mechanism: 'scram-sha-512', username: `samsa.${slug}.${key.keyId}`, password: key.secret },
  } as ConstructorParameters<typeof Kafka>[0]);
}

const appAcl = (op: string, resource: string) => `ALLOW User:samsa.acme.${appKey.keyId} ${op} ${resource}`;

test('the loop places a key, ACL bindings and a quota made in the console; the key works on Kafka with its prefix only', {
  skip,
  timeout: 180_000,
}, async () => {
  const { startClusterReconcileLoop } = await import('../src/features/clusters/reconcile-loop.ts');
  startClusterReconcileLoop();
  // The loop reconciles a new cluster at once; then the interval is made a day long, so that what follows is placed
  // because the loop was notified of the changes, not because the interval passed.
  await eventually(async () => (await clusterPage()).reports.length > 0, 'the first run of the loop', 60_000);
  const longer = await call(
    '/clusters/{cluster}',
    'PATCH',
    { cluster: 'main' },
    {
      token: admin,
      body: { reconcileIntervalMs: 86_400_000 },
    },
  );
  assert.equal(longer.status, 200, JSON.stringify(longer.body));
  const T = { tenant: 'acme' };
  const sa = await call('/tenants/{tenant}/service-accounts', 'POST', T, { token: admin, body: { name: 'app' } });
  assert.equal(sa.status, 201, JSON.stringify(sa.body));
  const binding = (resourceType: string, resourceName: string, operation: string, patternType = 'LITERAL') => ({
    principal: 'User:app',
    resourceType,
    resourceName,
    operation,
    patternType,
    permission: 'ALLOW',
    host: '*',
  });
  const acl = await call('/tenants/{tenant}/acls', 'POST', T, {
    token: admin,
    body: {
      bindings: [
        binding('TOPIC', 'orders', 'WRITE'),
        binding('TOPIC', 'orders', 'READ'),
        binding('TOPIC', 'orders', 'CREATE'),
      ],
    },
  });
  assert.equal(acl.status, 201, JSON.stringify(acl.body));
  const quota = await call('/tenants/{tenant}/quota', 'PUT', T, {
    token: admin,
    body: { produceBytesPerSec: 1_048_576, fetchBytesPerSec: 2_097_152 },
  });
  assert.equal(quota.status, 200, JSON.stringify(quota.body));
  const key = await call('/tenants/{tenant}/api-keys', 'POST', T, { token: admin, body: { serviceAccount: 'app' } });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  appKey = { keyId: key.body.keyId, secret: key.body.secret };
  const keyMadeAt = Date.now();

  // The changes (NOTIFY, debounced) make the loop run after the key was made, and it places it.
  await eventually(
    async () =>
      (await clusterPage()).reports.some(
        (r: { startedAt: string; trigger: string; counts: { created: number } }) =>
          Date.parse(r.startedAt) >= keyMadeAt && r.trigger === 'change' && r.counts.created > 0,
      ),
    'a reconcile run, asked for by the changes, that placed the key',
    60_000,
  );
  const page = await clusterPage();
  assert.equal(page.status, 'healthy', JSON.stringify(page.reports[0]));
  assert.deepEqual(
    page.brokers.map((b: { id: number }) => b.id),
    kafka.nodes.map((n) => n.id),
  );
  assert.ok(page.tenants.some((t: { slug: string }) => t.slug === 'acme'));

  const view = await kafkaSecurityView(kafka.bootstrap, ' User:samsa.');
  for (const op of ['WRITE', 'READ', 'CREATE'])
    assert.ok(view.acls.includes(appAcl(op, 'TOPIC LITERAL acme.orders')), `${op} placed: ${view.acls.join('\n')}`);
  const user = `samsa.acme.${appKey.keyId}`;
  assert.match(view.scram.get(user) ?? '', /SCRAM-SHA-512/);
  assert.match(view.quotas.get(user) ?? '', /producer_byte_rate=1048576/);
  assert.match(view.quotas.get(user) ?? '', /consumer_byte_rate=2097152/);

  const client = as('acme', appKey);
  const producer = client.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await eventually(
      async () => {
        try {
          await producer.send({ topic: 'acme.orders', acks: -1, messages: [{ value: 'order 1' }] });
          return true;
        } catch {
          return false;
        }
      },
      'the key produces to acme.orders directly to Kafka',
      30_000,
    );
    await assert.rejects(
      producer.send({ topic: 'globex.orders', acks: -1, messages: [{ value: 'not mine' }] }),
      (err: { type?: string; message?: string }) =>
        /AUTHORIZATION_FAILED/.test(err.type ?? '') || /Not authorized/i.test(err.message ?? ''),
      "another tenant's prefix is refused by Kafka",
    );
  } finally {
    await producer.disconnect();
  }

  const placements = await call('/tenants/{tenant}/cluster-placements', 'GET', T, { token: tenantAdmin });
  assert.equal(placements.status, 200, JSON.stringify(placements.body));
  const items = placements.body[0].items as { what: string; state: string }[];
  assert.ok(
    items.some((i) => i.what.includes(appKey.keyId) && i.state === 'placed'),
    JSON.stringify(items),
  );
});

test('an ACL deleted with kafka-acls is repaired by the loop and shown as drift on the cluster page', {
  skip,
  timeout: 180_000,
}, async () => {
  const removed = await runJava('org.apache.kafka.tools.AclCommand', [
    '--bootstrap-server',
    kafka.bootstrap,
    '--remove',
    '--force',
    '--allow-principal',
    `User:samsa.acme.${appKey.keyId}`,
    '--operation',
    'Write',
    '--topic',
    'acme.orders',
  ]);
  assert.equal(removed.code, 0, removed.stderr);
  // Kafka sends no notice of it: the loop's interval finds it.
  const shorter = await call(
    '/clusters/{cluster}',
    'PATCH',
    { cluster: 'main' },
    {
      token: admin,
      body: { reconcileIntervalMs: 5_000 },
    },
  );
  assert.equal(shorter.status, 200, JSON.stringify(shorter.body));
  const deletedAt = Date.now();
  await eventually(
    async () =>
      (await clusterPage()).reports.some(
        (r: { startedAt: string; status: string; trigger: string }) =>
          Date.parse(r.startedAt) >= deletedAt && r.status === 'drift_repaired' && r.trigger === 'loop',
      ),
    'a run that repaired the drift',
    60_000,
  );
  const page = await clusterPage();
  assert.equal(page.status, 'drift_repaired');
  const run = page.reports.find((r: { status: string }) => r.status === 'drift_repaired');
  assert.equal(run.counts.repaired, 1);
  assert.match(
    run.summary.join('\n'),
    new RegExp(
      `acme: ACL ALLOW User:samsa\\.acme\\.${appKey.keyId} WRITE on TOPIC LITERAL 'acme\\.orders' from \\* — deleted or changed behind Samsa's back, re-created`,
    ),
  );
  const view = await kafkaSecurityView(kafka.bootstrap, ' User:samsa.');
  assert.ok(view.acls.includes(appAcl('WRITE', 'TOPIC LITERAL acme.orders')), 'put back on Kafka');
  const audit = await call('/tenants/{tenant}/audit', 'GET', { tenant: 'acme' }, { token: admin });
  assert.ok(
    audit.body.some(
      (e: { action: string; after: { repaired?: string[] } }) =>
        e.action === 'cluster.reconcile' && e.after?.repaired?.some((w) => w.includes("'acme.orders'")),
    ),
    'the repair is in the tenant audit log',
  );

  // Paused: the loop leaves it alone, so what follows is the only thing that runs.
  const paused = await call(
    '/clusters/{cluster}',
    'PATCH',
    { cluster: 'main' },
    { token: admin, body: { paused: true } },
  );
  assert.equal(paused.status, 200, JSON.stringify(paused.body));
  assert.equal(paused.body.paused, true);

  // Reconcile now, dry run: nothing left to do, nothing stored.
  const runsBefore = (await clusterPage()).reports.map((r: { id: string }) => r.id);
  const dry = await call(
    '/clusters/{cluster}/reconcile',
    'POST',
    { cluster: 'main' },
    { token: admin, body: { dryRun: true } },
  );
  assert.equal(dry.status, 200, JSON.stringify(dry.body));
  assert.equal(dry.body.dryRun, true);
  assert.deepEqual([dry.body.created, dry.body.repaired, dry.body.errors], [[], [], []]);
  assert.deepEqual(
    (await clusterPage()).reports.map((r: { id: string }) => r.id),
    runsBefore,
    'a dry run stores no run',
  );

  // At most one run per cluster across consoles: while another session holds its advisory lock, "Reconcile now"
  // is refused rather than run beside it.
  const { withSessionLock } = await import('@samsa/db/session-lock');
  const [row] = await clusterRows();
  let release = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  let acquired = () => {};
  const holding = new Promise<void>((r) => {
    acquired = r;
  });
  const otherConsole = withSessionLock(process.env.DATABASE_URL!, 'samsa-cluster-reconcile', row!.id, () => {
    acquired();
    return held;
  });
  try {
    await holding;
    const refused = await call(
      '/clusters/{cluster}/reconcile',
      'POST',
      { cluster: 'main' },
      { token: admin, body: {} },
    );
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /A reconcile of 'main' is running/);
  } finally {
    release();
    assert.equal((await otherConsole).ran, true);
  }
  const now = await call('/clusters/{cluster}/reconcile', 'POST', { cluster: 'main' }, { token: admin, body: {} });
  assert.equal(now.status, 200, JSON.stringify(now.body));
  assert.equal(now.body.status, 'healthy');
});

test('samsa cluster add, list, show, reconcile and remove --name go through the console API', {
  skip,
  timeout: 180_000,
}, async () => {
  let http: ApiServer | undefined;
  try {
    http = await startApiServer();
    const env = { SAMSA_URL: http.url, SAMSA_TOKEN: admin, SAMSA_CLUSTER_SASL_PASSWORD: '' };
    const add = (password: string) =>
      runSamsa(
        [
          'cluster',
          'add',
          '--name',
          'second',
          '--bootstrap',
          kafka.saslBootstrap!,
          '--sasl-username',
          CONTROL.name,
          '--password-stdin',
          '--paused',
        ],
        env,
        `${password}\n`,
      );
    const wrong = await add('nope');
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /refused the sign-in of 'samsa-control'/);
    const added = await add(CONTROL.password);
    assert.equal(added.code, 0, added.stderr);
    assert.ok(!added.stdout.includes(CONTROL.password));
    const list = await runSamsa(['cluster', 'list', '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      JSON.parse(list.stdout).map((c: { name: string; paused: boolean }) => [c.name, c.paused]),
      [
        ['main', true],
        ['second', true],
      ],
    );
    const show = await runSamsa(['cluster', 'show', '--name', 'main'], env);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /drift_repaired/);
    assert.match(show.stdout, /deleted or changed behind Samsa's back, re-created/);
    const dry = await runSamsa(['cluster', 'reconcile', '--name', 'main', '--dry-run'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /dry run: healthy: 0 created, 0 repaired/);
    const removed = await runSamsa(['cluster', 'remove', '--name', 'second', '--yes'], env);
    assert.equal(removed.code, 0, removed.stderr);
    const after = await call('/clusters', 'GET', {}, { token: admin });
    assert.deepEqual(
      after.body.map((c: { name: string }) => c.name),
      ['main'],
    );
  } finally {
    await http?.close();
  }
});

test('a cluster that cannot be reached is shown unreachable with why, and Reconcile now says so', {
  skip,
  timeout: 120_000,
}, async () => {
  // Registered while it was up, gone since: its row as registering would have stored it, on a port nobody listens on.
  const { db } = await import('../src/server/db.ts');
  const { kafkaClusterPasswordAad, sealSecret, secretKeyFromEnv } = await import('@samsa/db/secret-box');
  const { randomUUID } = await import('node:crypto');
  const id = randomUUID();
  const closedPort = await freePort();
  await db().kafkaCluster.create({
    data: {
      id,
      name: 'gone',
      bootstrap: [`127.0.0.1:${closedPort}`],
      saslMechanism: 'SCRAM-SHA-512',
      saslUsername: CONTROL.name,
      saslPasswordSealed: sealSecret(secretKeyFromEnv(), kafkaClusterPasswordAad(id), CONTROL.password),
      paused: true,
      createdByEmail: 'root@example.com',
    },
  });
  const res = await call('/clusters/{cluster}/reconcile', 'POST', { cluster: 'gone' }, { token: admin, body: {} });
  assert.equal(res.status, 503, JSON.stringify(res.body));
  assert.match(res.body.error.message, /Cannot reconcile 'gone': .*not reachable/);
  const gone = await call('/clusters/{cluster}', 'GET', { cluster: 'gone' }, { token: admin });
  assert.equal(gone.body.status, 'unreachable');
  assert.match(gone.body.lastError, /not reachable/);
  assert.equal(gone.body.reports[0].status, 'unreachable');
  assert.match(gone.body.reports[0].summary[0], /the cluster could not be reconciled: .*not reachable/);
});
