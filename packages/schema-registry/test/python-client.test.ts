/**
 * confluent-kafka (Python, Debian's python3-confluent-kafka) with its schema-registry clients, unchanged, against a
 * real registry process and a real broker with a tenant's API key: AvroProducer/AvroConsumer (python3-avro), the
 * JSON Schema serializer and deserializer (python3-jsonschema), and SchemaRegistryClient reading Confluent's error
 * codes (409 on a breaking change, 40402 for a missing version). Skipped, saying why, when the Debian packages are
 * missing (.ci/run installs them).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { type TestKey, TenantFixtures } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';
import { type RegistryProcess, startRegistry } from './support/registry-process.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'support/python/registry_client.py');

function missingModules(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import confluent_kafka, avro, requests, jsonschema'], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `python3 with confluent_kafka, avro, requests and jsonschema is needed (Debian python3-confluent-kafka, python3-avro, python3-requests, python3-jsonschema): ${String(
      (err as { stderr?: Buffer }).stderr ?? err,
    )
      .trim()
      .split('\n')
      .pop()}`;
  }
}

const skip = missingModules();

function py(args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() as string));
      } catch {
        reject(new Error(`not JSON: ${stdout}\n${stderr}`));
      }
    });
  });
}

let db: TestDatabase;
let fixtures: TenantFixtures;
let broker: BrokerProcess;
let registry: RegistryProcess;
let key: TestKey;

before(async () => {
  if (skip) return;
  db = await createTestDatabase();
  fixtures = new TenantFixtures(db.url);
  key = await fixtures.adminKey(await fixtures.tenant('sensors'), 'sensors-app');
  broker = await startBroker({
    args: ['--database-url', db.url, '--group-initial-rebalance-delay-ms', '0'],
    env: { SAMSA_SUPERUSER_PASSWORD: 'python-registry-test' },
  });
  registry = await startRegistry(db.url);
  const admin = new Kafka({
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: key.keyId, password: key.secret },
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 },
  }).admin();
  await admin.connect();
  await admin.createTopics({
    topics: ['readings-avro', 'readings-json'].map((topic) => ({ topic, numPartitions: 1 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
});

after(async () => {
  await registry?.stop();
  await broker?.cleanup();
  await fixtures?.close();
  await db?.drop();
});

const READINGS = [0, 1, 2].map((i) => ({ sensor: `s${i}`, celsius: 20.5 + i }));

test('confluent_kafka.avro AvroProducer and AvroConsumer through Samsa', { skip: skip ?? false }, async () => {
  const out = await py(['avro', broker.bootstrap, registry.url, key.keyId, key.secret, 'readings-avro']);
  assert.equal(out.remaining, 0);
  assert.deepEqual(
    out.values,
    READINGS.map((r) => ({ key: r.sensor, value: r })),
  );
  assert.deepEqual(out.subjects.sort(), ['readings-avro-key', 'readings-avro-value']);
  assert.equal(typeof out.valueId, 'number');
});

test('confluent_kafka JSONSerializer and JSONDeserializer through Samsa', { skip: skip ?? false }, async () => {
  const out = await py(['json', broker.bootstrap, registry.url, key.keyId, key.secret, 'readings-json']);
  assert.equal(out.remaining, 0);
  assert.deepEqual(
    out.values,
    READINGS.map((r) => ({ key: r.sensor, value: r })),
  );
  assert.equal(out.schemaType, 'JSON');
});

test("SchemaRegistryClient reads Confluent's codes: 409 on a breaking change, 40402 for a missing version", {
  skip: skip ?? false,
}, async () => {
  const out = await py(['breaking', registry.url, key.keyId, key.secret, 'py-breaking-value']);
  assert.equal(out.first, out.again, 'registering the same schema twice gives the same id');
  assert.equal(out.compatible, false);
  assert.equal(out.refused.http_status, 409);
  assert.equal(out.refused.error_code, 409);
  assert.deepEqual(out.missing, { http_status: 404, error_code: 40402 });
});
