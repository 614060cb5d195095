/**
 * A Java client of Confluent's API from Maven Central (Spring Cloud Stream's ConfluentSchemaRegistryClient; Confluent's
 * own jars are not served here) against a real `samsa schema-registry` process with a tenant's key as basic auth, and
 * the same program against Apicurio Registry's Confluent-compatible API: registration (twice: same id and version),
 * a second version, fetch by subject and version, a missing version, a breaking change refused under BACKWARD. Both
 * must give the client the same answers (ids relative to the first). Skipped with the reason when Java, Maven or
 * Apicurio are missing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import {
  type ApicurioRegistry,
  apicurioSkipReason,
  REGISTRY_CLIENT_VERSION,
  registryClientClasspath,
  startApicurio,
} from '@samsa/kafka-harness/apicurio';
import { compileJava, runJava } from '@samsa/kafka-harness/java';
import { type RegistryProcess, startRegistry } from '@samsa/test-support/registry-process';
import { type TestKey, TenantFixtures } from '@samsa/test-support/tenants';

const skip = apicurioSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

let db: TestDatabase;
let fixtures: TenantFixtures;
let registry: RegistryProcess;
let apicurio: ApicurioRegistry;
let key: TestKey;
let classpath: string;

before(async () => {
  if (skip) return;
  db = await createTestDatabase();
  fixtures = new TenantFixtures(db.url);
  key = await fixtures.adminKey(await fixtures.tenant('acme'), 'acme-admin');
  [registry, apicurio, classpath] = await Promise.all([
    startRegistry(db.url),
    startApicurio(),
    registryClientClasspath().then((libs) => compileJava(join(import.meta.dirname, 'java-registry-client'), libs)),
  ]);
});

after(async () => {
  await Promise.all([registry?.stop(), apicurio?.stop()]);
  await fixtures?.pool.end();
  await db?.drop();
});

const record = (fields: unknown[]) => JSON.stringify({ type: 'record', name: 'Order', namespace: 'acme', fields });
const V1 = record([{ name: 'id', type: 'string' }]);
const V2 = record([
  { name: 'id', type: 'string' },
  { name: 'amount', type: 'int', default: 0 },
]);
const BREAKING = record([{ name: 'id', type: 'int' }]);

/** The program's lines, with ids numbered by first appearance. */
async function clientRun(url: string, user: string, password: string): Promise<unknown[]> {
  const r = await runJava('RegistryClientRun', [url, user, password, 'orders-value', V1, V2, BREAKING], {
    classpath,
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const ids = new Map<number, number>();
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const entry = JSON.parse(line);
      if (typeof entry.id === 'number') {
        if (!ids.has(entry.id)) ids.set(entry.id, ids.size + 1);
        entry.id = `id#${ids.get(entry.id)}`;
      }
      return entry;
    });
}

test(`Spring Cloud Stream's ConfluentSchemaRegistryClient ${REGISTRY_CLIENT_VERSION} gets the same answers from Samsa and Apicurio`, {
  skip,
}, async () => {
  // Apicurio starts with no compatibility rule; Samsa with BACKWARD. Both at BACKWARD, as Confluent's default.
  const res = await fetch(`${apicurio.ccompatUrl}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: 'BACKWARD' }),
  });
  assert.equal(res.status, 200);

  const samsa = await clientRun(registry.url, key.keyId, key.secret);
  const theirs = await clientRun(apicurio.ccompatUrl, '-', '-');
  assert.deepEqual(samsa, [
    { step: 'register v1', id: 'id#1', subject: 'orders-value', version: 1 },
    { step: 'register v1 again', id: 'id#1', subject: 'orders-value', version: 1 },
    { step: 'register v2', id: 'id#2', subject: 'orders-value', version: 2 },
    { step: 'fetch version 1', schema: JSON.parse(V1) },
    { step: 'fetch version 2', schema: JSON.parse(V2) },
    { step: 'fetch version 9', error: 'SchemaNotFoundException' },
    { step: 'register a breaking change', error: 'RuntimeException', status: 409 },
  ]);
  assert.deepEqual(theirs, samsa);
});
