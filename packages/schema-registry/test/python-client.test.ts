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
import type { TestKey } from '@samsa/test-support/tenants';
import { createTopics, type RegistryHub, startRegistryHub, tenantKafka } from './support/hub.ts';

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

let hub: RegistryHub;
let key: TestKey;

before(async () => {
  if (skip) return;
  hub = await startRegistryHub();
  key = await hub.fixtures.adminKey(await hub.fixtures.tenant('sensors'), 'sensors-app');
  await createTopics(tenantKafka(hub, key), ['readings-avro', 'readings-json']);
});

after(async () => {
  await hub?.close();
});

const READINGS = [0, 1, 2].map((i) => ({ sensor: `s${i}`, celsius: 20.5 + i }));

test('confluent_kafka.avro AvroProducer and AvroConsumer through Samsa', { skip: skip ?? false }, async () => {
  const out = await py(['avro', hub.broker.bootstrap, hub.registry.url, key.keyId, key.secret, 'readings-avro']);
  assert.equal(out.remaining, 0);
  assert.deepEqual(
    out.values,
    READINGS.map((r) => ({ key: r.sensor, value: r })),
  );
  assert.deepEqual(out.subjects.sort(), ['readings-avro-key', 'readings-avro-value']);
  assert.equal(typeof out.valueId, 'number');
});

test('confluent_kafka JSONSerializer and JSONDeserializer through Samsa', { skip: skip ?? false }, async () => {
  const out = await py(['json', hub.broker.bootstrap, hub.registry.url, key.keyId, key.secret, 'readings-json']);
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
  const out = await py(['breaking', hub.registry.url, key.keyId, key.secret, 'py-breaking-value']);
  assert.equal(out.first, out.again, 'registering the same schema twice gives the same id');
  assert.equal(out.compatible, false);
  assert.equal(out.refused.http_status, 409);
  assert.equal(out.refused.error_code, 409);
  assert.deepEqual(out.missing, { http_status: 404, error_code: 40402 });
});
