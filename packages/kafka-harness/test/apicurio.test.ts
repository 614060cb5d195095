/** Apicurio Registry as built from Maven Central: it starts on loopback and its Confluent-compatible API answers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APICURIO_VERSION, apicurioSkipReason, startApicurio } from '../src/apicurio.ts';

const skip = apicurioSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

test(`Apicurio Registry ${APICURIO_VERSION}: registers an Avro schema through /apis/ccompat/v6 and reads it back`, {
  skip,
}, async () => {
  const registry = await startApicurio();
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${registry.ccompatUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { id?: number; error_code?: number } };
    };
    assert.deepEqual((await call('GET', '/subjects')).body, []);
    const schema = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] });
    const first = await call('POST', '/subjects/r-value/versions', { schema });
    assert.equal(first.status, 200);
    assert.equal(typeof first.body.id, 'number');
    assert.deepEqual((await call('POST', '/subjects/r-value/versions', { schema })).body, first.body);
    assert.deepEqual((await call('GET', '/subjects/r-value/versions')).body, [1]);
    const missing = await call('GET', '/subjects/nope/versions');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 40401);
  } finally {
    await registry.stop();
  }
});
