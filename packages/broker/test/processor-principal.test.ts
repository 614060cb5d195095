/**
 * The processor principal, with a real broker process, a real Postgres and real KafkaJS clients: the platform
 * superuser signs in with the SASL authorization id `tenant:<slug>/processor:<name>` (what the processor host does).
 * It gets the tenant's namespace but not the tenant admin's rights: only the ACLs of `User:processor:<name>` (and
 * `User:*`) let it read, write and join groups. Nobody else may ask for that id, and a bad or unknown one is refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { processorAclPrincipal, processorAuthorizationId } from '@samsa/cluster/namespace';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { eventually, logged } from '@samsa/test-support/eventually';
import { RawClient } from '@samsa/test-support/raw-client';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { FindCoordinator, SaslAuthenticate, SaslHandshake } from '@samsa/protocol';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';

const SUPERUSER = { name: 'admin', password: 'processor-principal-test-password' };

let db: TestDatabase;
let fx: TenantFixtures;
let broker: BrokerProcess;
let acme: string;
let acmeAdmin: TestKey;

before(async () => {
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  acme = await fx.tenant('acme');
  acmeAdmin = await fx.key(acme, 'acme-admin');
  await fx.admin(acme, 'acme-admin');
  const globex = await fx.tenant('globex');
  const globexAdmin = await fx.key(globex, 'globex-admin');
  await fx.admin(globex, 'globex-admin');
  broker = await startBroker({
    args: ['--database-url', db.url, '--group-initial-rebalance-delay-ms', '0'],
    env: { SAMSA_SUPERUSER_PASSWORD: SUPERUSER.password },
  });
  for (const [key, topics] of [
    [acmeAdmin, ['in', 'out', 'other']],
    [globexAdmin, ['in', 'globex-only']],
  ] as const) {
    const admin = kafka({ username: key.keyId, password: key.secret }).admin();
    await admin.connect();
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })) });
    await admin.disconnect();
  }
});
after(async () => {
  await broker?.cleanup();
  await fx?.close();
  await db?.drop();
});

/** A KafkaJS client over SASL/PLAIN, optionally asking for an authorization id. */
function kafka(creds: { username: string; password: string; authzid?: string }): Kafka {
  return new Kafka({
    clientId: 'processor-principal-test',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    sasl: {
      mechanism: 'plain',
      username: creds.username,
      password: creds.password,
      authorizationIdentity: creds.authzid,
    } as KafkaConfig['sasl'],
  });
}

function asProcessor(name: string, slug = 'acme'): Kafka {
  return kafka({ ...SUPERUSER, username: SUPERUSER.name, authzid: processorAuthorizationId(slug, name) });
}

/** The Kafka error type of a rejected call (KafkaJS wraps some in `cause` or `errors`), or the message. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    const e = err as { type?: string; message: string; cause?: { type?: string }; errors?: { type?: string }[] };
    return e.type ?? e.cause?.type ?? e.errors?.[0]?.type ?? e.message;
  }
  return 'allowed';
}

async function produce(client: Kafka, topic: string, value: string): Promise<string> {
  const producer = client.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    return await refusal(producer.send({ topic, acks: -1, messages: [{ value }] }));
  } finally {
    await producer.disconnect();
  }
}

const GROUP_AUTHORIZATION_FAILED = 30;

/**
 * FindCoordinator's error code for `groupId`, asked as processor `name` over a raw connection: KafkaJS hides the
 * refusal behind 'Failed to find group coordinator'.
 */
async function findCoordinatorError(name: string, groupId: string): Promise<number> {
  const raw = await RawClient.connect(broker.port);
  try {
    await raw.request(SaslHandshake, 1, { mechanism: 'PLAIN' });
    const authzid = processorAuthorizationId('acme', name);
    const auth = await raw.request(SaslAuthenticate, 2, {
      authBytes: Buffer.from(`${authzid}\0${SUPERUSER.name}\0${SUPERUSER.password}`),
    });
    assert.equal(auth.errorCode, 0, String(auth.errorMessage));
    return (await raw.request(FindCoordinator, 1, { key: groupId, keyType: 0 })).errorCode as number;
  } finally {
    raw.close();
  }
}

/** Reads `topic` from the start through consumer group `groupId` until `count` values arrived or it was refused. */
async function consume(client: Kafka, groupId: string, topic: string, count: number): Promise<string[] | string> {
  const consumer = client.consumer({ groupId, maxWaitTimeInMs: 200, retry: { retries: 0 } });
  const got: string[] = [];
  let crashed: string | null = null;
  consumer.on(consumer.events.CRASH, (e) => {
    const error = e.payload.error as { type?: string; message?: string };
    crashed = error.type ?? error.message ?? String(error);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await eventually(() => got.length >= count || crashed !== null, `${groupId} to read ${count} or be refused`);
    return crashed ?? got;
  } finally {
    await consumer.disconnect().catch(() => {});
  }
}

test('the processor principal acts inside its tenant only with the bindings of User:processor:<name>', async () => {
  const proc = asProcessor('upper');
  const admin = proc.admin();
  await admin.connect();
  assert.deepEqual(await admin.listTopics(), [], "without bindings it sees none of the tenant's topics");
  assert.equal(await produce(proc, 'out', 'x'), 'TOPIC_AUTHORIZATION_FAILED', 'no WRITE without a binding');
  assert.equal(
    await findCoordinatorError('upper', 'samsa-processor.upper'),
    GROUP_AUTHORIZATION_FAILED,
    'no group access without a binding',
  );

  // The bindings the console grants a processor: READ on its input, WRITE on its outputs, READ on its groups.
  const principal = processorAclPrincipal('upper');
  await fx.acl(acme, principal, 'TOPIC', 'in', 'READ');
  await fx.acl(acme, principal, 'TOPIC', 'out', 'WRITE');
  await fx.acl(acme, principal, 'GROUP', 'samsa-processor.upper', 'READ');
  const tenantProducer = kafka({ username: acmeAdmin.keyId, password: acmeAdmin.secret });
  assert.equal(await produce(tenantProducer, 'in', 'acme-input'), 'allowed');
  await eventually(async () => (await produce(proc, 'out', 'y')) === 'allowed', 'the bindings to reach the broker');

  assert.deepEqual((await admin.listTopics()).sort(), ['in', 'out'], 'tenant-local names, only what it may touch');
  assert.deepEqual(await consume(proc, 'samsa-processor.upper', 'in', 1), ['acme-input'], "reads its tenant's input");
  assert.equal(await produce(proc, 'in', 'z'), 'TOPIC_AUTHORIZATION_FAILED', 'READ on the input is not WRITE');
  assert.equal(await produce(proc, 'other', 'z'), 'TOPIC_AUTHORIZATION_FAILED', 'an unbound topic stays closed');
  assert.equal(
    await refusal(admin.createTopics({ topics: [{ topic: 'new-one', numPartitions: 1 }] })),
    'TOPIC_AUTHORIZATION_FAILED',
    "no tenant admin's rights: no CREATE",
  );
  assert.equal(await findCoordinatorError('upper', 'samsa-processor.upper'), 0);
  assert.equal(await findCoordinatorError('upper', 'someone-elses-group'), GROUP_AUTHORIZATION_FAILED);
  await admin.disconnect();

  // Another processor of the same tenant has none of these bindings.
  const other = asProcessor('lower');
  assert.equal(await produce(other, 'out', 'x'), 'TOPIC_AUTHORIZATION_FAILED');
  // The same processor name in another tenant is another principal: acme's bindings do not reach globex.
  const globexProc = asProcessor('upper', 'globex');
  assert.equal(await produce(globexProc, 'in', 'x'), 'TOPIC_AUTHORIZATION_FAILED');
  const globexAdmin = globexProc.admin();
  await globexAdmin.connect();
  assert.deepEqual(await globexAdmin.listTopics(), []);
  await globexAdmin.disconnect();

  // User:* bindings apply to processors too; a DENY for the processor wins over them.
  await fx.acl(acme, 'User:*', 'TOPIC', 'other', 'WRITE');
  await fx.acl(acme, principal, 'TOPIC', 'other', 'WRITE', { permission: 'DENY' });
  await eventually(async () => (await produce(other, 'other', 'w')) === 'allowed', 'User:* WRITE on other');
  assert.equal(await produce(proc, 'other', 'w'), 'TOPIC_AUTHORIZATION_FAILED', 'DENY wins');
});

test('only the superuser may ask for a processor id, and only a well-formed one of a known tenant', async () => {
  const attempts: Record<string, Kafka> = {
    'a tenant key': kafka({
      username: acmeAdmin.keyId,
      password: acmeAdmin.secret,
      authzid: processorAuthorizationId('acme', 'upper'),
    }),
    'an unknown tenant': asProcessor('upper', 'nosuchtenant'),
    'a bad processor name': kafka({
      ...SUPERUSER,
      username: SUPERUSER.name,
      authzid: 'tenant:acme/processor:Bad_Name',
    }),
    'an empty processor name': kafka({ ...SUPERUSER, username: SUPERUSER.name, authzid: 'tenant:acme/processor:' }),
    'another kind of actor': kafka({ ...SUPERUSER, username: SUPERUSER.name, authzid: 'tenant:acme/user:upper' }),
    'a wrong password': kafka({
      username: SUPERUSER.name,
      password: 'wrong',
      authzid: processorAuthorizationId('acme', 'upper'),
    }),
  };
  for (const [what, client] of Object.entries(attempts)) {
    const admin = client.admin();
    await assert.rejects(admin.connect(), /SASL|authentication/i, what);
  }
  // The broker says why in its log (read through a pipe, so wait for the lines).
  await logged(broker, 'authentication refused', 'only the platform superuser may ask for an authorization id');
  await logged(broker, 'authentication refused', "no tenant 'nosuchtenant'");
  await logged(broker, 'authentication refused', "'Bad_Name' is not a processor name");
  await logged(broker, 'authentication refused', 'tenant:acme/user:upper', 'tenant:<slug>/processor:<name>');
  await logged(broker, 'authentication failed', 'invalid username or password');
});
