/**
 * `samsa schema-registry` as a process: bad configuration exits 2 naming the problem; the listen address is
 * checked; an address already in use fails the start (exit 1), which `samsa start` reports as the hub stopping.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { runSamsa } from '@samsa/test-support/samsa-cli';

test('bad configuration: exit 2 naming the problem', async () => {
  const noDb = await runSamsa(['schema-registry'], { DATABASE_URL: '' });
  assert.equal(noDb.code, 2, noDb.stderr);
  assert.match(noDb.stderr, /samsa schema-registry: DATABASE_URL is not set/);

  const bad = await runSamsa(['schema-registry', '--listen', 'nowhere'], {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    SAMSA_SCHEMA_REGISTRY_MAX_SUBJECTS: 'lots',
  });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /SAMSA_SCHEMA_REGISTRY_LISTEN: HOST:PORT/);
  assert.match(bad.stderr, /SAMSA_SCHEMA_REGISTRY_MAX_SUBJECTS: /);

  const flag = await runSamsa(['schema-registry', '--bogus'], {});
  assert.equal(flag.code, 2);
});

test('a listen address in use fails the start with exit 1', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  try {
    const r = await runSamsa(['schema-registry', '--listen', `127.0.0.1:${port}`], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      SAMSA_SUPERUSER_PASSWORD: 'x',
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /the schema registry failed to start/);
  } finally {
    blocker.close();
  }
});
