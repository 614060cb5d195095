/**
 * The cluster `samsa start --cluster` hands the console (SAMSA_CLUSTER_*), registered at boot against a real Apache
 * Kafka (one KRaft node, SASL/SCRAM) and a real Postgres: the first boot registers it (checked, sealed, audited as done
 * by `samsa start`), the next boots with the same settings change nothing, a wrong password is refused and stores
 * nothing, and a new bootstrap list is updated. Without SAMSA_CLUSTER_BOOTSTRAP nothing is registered.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { type Harness, startHarness } from './helpers.ts';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const SUPERUSER = { name: 'admin', password: 'admin-secret' };

let kafka: KafkaCluster;
let harness: Harness;

before(
  async () => {
    if (skip) return;
    [kafka, harness] = await Promise.all([
      startKafka({ sasl: { superuser: SUPERUSER } }),
      startHarness({ SAMSA_SECRETS_KEY: Buffer.alloc(32, 9).toString('base64') }),
    ]);
  },
  { timeout: 180_000 },
);

after(async () => {
  await harness?.close();
  await kafka?.stop();
});

const env = (overrides: Record<string, string> = {}) => ({
  SAMSA_CLUSTER_BOOTSTRAP: kafka.saslBootstrap!,
  SAMSA_CLUSTER_SASL_USERNAME: SUPERUSER.name,
  SAMSA_CLUSTER_SASL_PASSWORD: SUPERUSER.password,
  ...overrides,
});

test('the start cluster is registered once, kept, refused with a wrong password and updated when it moves', {
  skip,
  timeout: 120_000,
}, async () => {
  const { startClusterFromEnv } = await import('../src/features/clusters/start-cluster.ts');
  const { ensureStartCluster } = await import('../src/features/clusters/service.ts');
  const { db } = await import('../src/server/db.ts');
  assert.equal(startClusterFromEnv({}), null, 'the embedded broker: nothing to register');
  assert.throws(
    () => startClusterFromEnv({ SAMSA_CLUSTER_BOOTSTRAP: kafka.saslBootstrap! }),
    /SAMSA_CLUSTER_SASL_USERNAME/,
  );

  const input = startClusterFromEnv(env())!;
  assert.deepEqual([input.name, input.saslMechanism], ['default', 'SCRAM-SHA-512']);
  assert.equal(await ensureStartCluster(input), 'registered');
  const [row] = await db().kafkaCluster.findMany();
  assert.equal(row?.name, 'default');
  assert.ok(!row?.saslPasswordSealed.includes(SUPERUSER.password), 'the password is sealed');
  assert.equal(await ensureStartCluster(startClusterFromEnv(env())!), 'unchanged', 'the next boot changes nothing');

  await assert.rejects(
    ensureStartCluster(startClusterFromEnv(env({ SAMSA_CLUSTER_SASL_PASSWORD: 'wrong-password' }))!),
    /refused the sign-in/,
  );
  // The same broker by another name: a new bootstrap list is checked and stored.
  const moved = kafka.saslBootstrap!.replace('127.0.0.1', 'localhost');
  assert.equal(await ensureStartCluster(startClusterFromEnv(env({ SAMSA_CLUSTER_BOOTSTRAP: moved }))!), 'updated');
  assert.deepEqual(
    (await db().kafkaCluster.findMany()).map((c) => c.bootstrap),
    [[moved]],
  );

  const audit = await db().auditLog.findMany({ where: { targetType: 'managed_cluster' }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    audit.map((a) => [a.action, a.actorEmail, a.actorId]),
    [
      ['cluster.register', 'samsa start', null],
      ['cluster.update', 'samsa start', null],
    ],
  );
  assert.ok(
    !JSON.stringify(audit.map((a) => [a.before, a.after])).includes(SUPERUSER.password),
    'no audit entry holds the password',
  );
});
