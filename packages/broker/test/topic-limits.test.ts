/**
 * What a tenant may make the broker store for a topic, attacked with real clients against a real broker with a real
 * control plane: invalid topic names (the empty name once created `<slug>.`) and topic configs past Kafka's floors or
 * the broker's ceilings (a segment and an fsync per batch, batches above message.max.bytes).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { AlterConfigs, CreateTopics, ErrorCode, IncrementalAlterConfigs, Metadata } from '@samsa/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { logged } from '@samsa/test-support/eventually';

const SUPERUSER_PASSWORD = 'super-secret-password';
let db: TestDatabase;
let fx: TenantFixtures;
let broker: BrokerProcess;
let acmeAdmin: TestKey;

before(async () => {
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  const acme = await fx.tenant('acme');
  acmeAdmin = await fx.key(acme, 'acme-admin');
  await fx.admin(acme, 'acme-admin');
  broker = await startBroker({
    args: ['--database-url', db.url, '--message-max-bytes', '2000000'],
    env: { SAMSA_SUPERUSER_PASSWORD: SUPERUSER_PASSWORD },
  });
});
after(async () => {
  await broker?.cleanup();
  await fx?.close();
  await db?.drop();
});

async function rawAs(username: string, password: string): Promise<RawClient> {
  const c = await RawClient.connect(broker.port);
  await c.saslPlain(username, password);
  return c;
}

type TopicResult = { name: string; errorCode: number; errorMessage: string | null };

async function createTopic(
  c: RawClient,
  name: string,
  configs: { name: string; value: string }[] = [],
): Promise<TopicResult> {
  const res = await c.request(CreateTopics, 7, {
    topics: [{ name, numPartitions: 1, replicationFactor: -1, assignments: [], configs }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  return (res.topics as TopicResult[])[0]!;
}

/** Every internal topic name on the broker, as the superuser sees them. */
async function allTopics(): Promise<string[]> {
  const kafka = new Kafka({
    clientId: 'topic-limits-su',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: 'admin', password: SUPERUSER_PASSWORD },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

test('CreateTopics with an empty or otherwise invalid name is refused for tenants and the superuser', async () => {
  const tenant = await rawAs(acmeAdmin.keyId, acmeAdmin.secret);
  const su = await rawAs('admin', SUPERUSER_PASSWORD);
  try {
    // 243 characters are fine alone but not under the tenant's 'acme.' prefix (249 at most in Kafka).
    for (const name of ['', '.', '..', 'bad name', 'x'.repeat(250), 'y'.repeat(246)]) {
      const r = await createTopic(tenant, name);
      assert.equal(r.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `tenant create '${name.slice(0, 20)}'`);
      assert.ok(r.errorMessage && r.errorMessage.length > 0, 'the error says what is wrong');
    }
    for (const name of ['', '.', '..', 'x'.repeat(250)]) {
      const r = await createTopic(su, name);
      assert.equal(r.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `superuser create '${name.slice(0, 20)}'`);
    }
    // Auto-creation by Metadata goes through the same rule.
    const md = await tenant.request(Metadata, 9, {
      topics: [{ name: '' }, { name: '..' }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    for (const t of md.topics as { errorCode: number }[]) assert.equal(t.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    const r = await createTopic(tenant, 'z'.repeat(244));
    assert.equal(r.errorCode, ErrorCode.NONE, 'the longest name that fits under the prefix is accepted');
  } finally {
    tenant.close();
    su.close();
  }
  const topics = await allTopics();
  assert.ok(!topics.includes('acme.'), 'no topic named after the bare tenant prefix');
  assert.ok(!topics.some((t) => t === 'acme..' || t === 'acme...' || t.length > 249), `nothing invalid: ${topics}`);
  assert.ok(topics.includes(`acme.${'z'.repeat(244)}`));
});

test('topic configs below Kafka floors or above broker ceilings are refused on create, alter and incremental alter', async () => {
  const tenant = await rawAs(acmeAdmin.keyId, acmeAdmin.secret);
  try {
    const attacks = [
      { name: 'segment.bytes', value: '14', range: /1048576 and 2147483647/ },
      { name: 'segment.ms', value: '1', range: /60000 and/ },
      { name: 'max.message.bytes', value: '104857600', range: /0 and 2000000/ },
      { name: 'retention.ms', value: '-2', range: /-1 and/ },
      { name: 'segment.bytes', value: '4294967296', range: /1048576 and 2147483647/ },
    ];
    for (const a of attacks) {
      const r = await createTopic(tenant, `attack-${a.name}`, [{ name: a.name, value: a.value }]);
      assert.equal(r.errorCode, ErrorCode.INVALID_CONFIG, `create with ${a.name}=${a.value}`);
      assert.match(r.errorMessage ?? '', new RegExp(a.name.replace(/\./g, '\\.')), 'the message names the key');
      assert.match(r.errorMessage ?? '', a.range, 'the message gives the allowed range');
      assert.match(r.errorMessage ?? '', new RegExp(a.value), 'the message gives the value');
    }
    const ok = await createTopic(tenant, 'tuned', [
      { name: 'segment.bytes', value: '1048576' },
      { name: 'segment.ms', value: '60000' },
      { name: 'max.message.bytes', value: '2000000' },
    ]);
    assert.equal(ok.errorCode, ErrorCode.NONE, `valid values are accepted: ${ok.errorMessage}`);

    for (const a of attacks) {
      const alter = await tenant.request(AlterConfigs, 2, {
        resources: [{ resourceType: 2, resourceName: 'tuned', configs: [{ name: a.name, value: a.value }] }],
        validateOnly: false,
      });
      const res = (alter.responses as TopicResult[])[0]!;
      assert.equal(res.errorCode, ErrorCode.INVALID_CONFIG, `alter ${a.name}=${a.value}`);
      assert.match(res.errorMessage ?? '', a.range);
      const inc = await tenant.request(IncrementalAlterConfigs, 1, {
        resources: [
          { resourceType: 2, resourceName: 'tuned', configs: [{ name: a.name, configOperation: 0, value: a.value }] },
        ],
        validateOnly: false,
      });
      const incRes = (inc.responses as TopicResult[])[0]!;
      assert.equal(incRes.errorCode, ErrorCode.INVALID_CONFIG, `incremental alter ${a.name}=${a.value}`);
      assert.match(incRes.errorMessage ?? '', a.range);
    }
  } finally {
    tenant.close();
  }

  // What a user checks: the topic still has the values it was created with, through a stock admin client.
  const admin = new PlatformaticAdmin({
    clientId: 'topic-limits',
    bootstrapBrokers: [broker.bootstrap],
    sasl: { mechanism: 'PLAIN', username: acmeAdmin.keyId, password: acmeAdmin.secret },
  });
  try {
    const described = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'tuned' }] });
    const configs = Object.fromEntries(described[0]!.configs.map((c) => [c.name, c.value]));
    assert.equal(configs['segment.bytes'], '1048576');
    assert.equal(configs['segment.ms'], '60000');
    assert.equal(configs['max.message.bytes'], '2000000');
    await assert.rejects(
      admin.incrementalAlterConfigs({
        resources: [
          { resourceType: 2, resourceName: 'tuned', configs: [{ name: 'segment.ms', configOperation: 0, value: '1' }] },
        ],
      }),
      (err: Error & { errors?: { errors?: Error[] }[] }) =>
        /Configuration is invalid/.test(err.errors?.[0]?.errors?.[0]?.message ?? ''),
      'a stock client sees INVALID_CONFIG',
    );
  } finally {
    await admin.close();
  }
  await logged(broker, 'topic config refused', 'segment.ms');
});
