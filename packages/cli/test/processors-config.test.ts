/**
 * `samsa processors` configuration: the broker, the superuser and the secrets key from flags, the environment or the
 * data directory `samsa start` keeps them in; every problem named at once, without echoing a secret.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProcessorsConfigError, processorsConfig } from '../src/commands/processors-config.ts';

const KEY = Buffer.alloc(32, 9).toString('base64');

function problems(argv: string[], env: NodeJS.ProcessEnv): string[] {
  try {
    processorsConfig(argv, env);
  } catch (err) {
    assert.ok(err instanceof ProcessorsConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a configuration error');
}

test('the superuser and the secrets key come from the environment; flags win over it', () => {
  const env = {
    DATABASE_URL: 'postgres://db/samsa',
    SAMSA_BROKER_BOOTSTRAP: 'broker:9092',
    SAMSA_SUPERUSER_PASSWORD: 'superuser-password',
    SAMSA_SECRETS_KEY: KEY,
    SAMSA_DATA_DIR: '/nonexistent',
  };
  const c = processorsConfig([], env);
  assert.deepEqual(c.bootstrap, ['broker:9092']);
  assert.deepEqual(c.superuser, { username: 'admin', password: 'superuser-password', mechanism: 'SCRAM-SHA-512' });
  assert.deepEqual(c.secretsKey, Buffer.alloc(32, 9));
  assert.equal(c.databaseUrl, 'postgres://db/samsa');
  const flagged = processorsConfig(['--bootstrap', 'a:1,b:2'], {
    ...env,
    SAMSA_SUPERUSER_NAME: 'root',
    SAMSA_BROKER_SASL_USERNAME: 'console-admin',
    SAMSA_BROKER_SASL_MECHANISM: 'PLAIN',
  });
  assert.deepEqual(flagged.bootstrap, ['a:1', 'b:2']);
  assert.equal(flagged.superuser?.username, 'console-admin', "the console's variables win");
  assert.equal(flagged.superuser?.mechanism, 'PLAIN');
  const noAuth = processorsConfig(['--no-auth'], { DATABASE_URL: 'postgres://db/samsa', SAMSA_DATA_DIR: '/none' });
  assert.equal(noAuth.superuser, null);
  assert.equal(noAuth.secretsKey, null, 'no key: processors with secrets do not start, the others do');
  assert.deepEqual(noAuth.bootstrap, ['127.0.0.1:9092']);
});

test("without them, the password and the key are read from samsa start's data directory", () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-processors-'));
  try {
    writeFileSync(join(dir, 'superuser-password'), 'kept-password\n');
    writeFileSync(join(dir, 'secrets-key'), `${KEY}\n`);
    const c = processorsConfig(['--data-dir', dir], { DATABASE_URL: 'postgres://db/samsa' });
    assert.equal(c.superuser?.password, 'kept-password');
    assert.deepEqual(c.secretsKey, Buffer.alloc(32, 9));
    writeFileSync(join(dir, 'secrets-key'), 'c2hvcnQ=');
    assert.deepEqual(problems(['--data-dir', dir], { DATABASE_URL: 'postgres://db/samsa' }), [
      `${dir}/secrets-key: SAMSA_SECRETS_KEY must be 32 bytes in base64, it has 5`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every problem is named at once, and no secret is echoed', () => {
  const found = problems(['--bootstrap', 'no-port'], {
    SAMSA_DATA_DIR: '/nonexistent',
    SAMSA_SECRETS_KEY: 'too-short',
  });
  assert.equal(found.length, 4, found.join('\n'));
  assert.match(found[0]!, /^DATABASE_URL is not set/);
  assert.match(found[1]!, /^no superuser password: set SAMSA_SUPERUSER_PASSWORD, or give --data-dir/);
  assert.match(found[2]!, /^--bootstrap \/ SAMSA_BROKER_BOOTSTRAP: expected HOST:PORT/);
  assert.match(found[3]!, /^SAMSA_SECRETS_KEY must be 32 bytes/);
  assert.ok(!found.join('\n').includes('too-short'));
  assert.deepEqual(problems(['--bogus'], {}).slice(0, 1), ["Unknown option '--bogus'"]);
  const badMechanism = problems([], {
    DATABASE_URL: 'postgres://db/samsa',
    SAMSA_SUPERUSER_PASSWORD: 'secret-password',
    SAMSA_BROKER_SASL_MECHANISM: 'GSSAPI',
  });
  assert.equal(badMechanism.length, 1);
  assert.match(badMechanism[0]!, /^SAMSA_BROKER_SASL_MECHANISM: /);
  assert.ok(!badMechanism[0]!.includes('secret-password'));
});

test('the schema registry: SAMSA_SCHEMA_REGISTRY_URL, signed in as the superuser unless its own user is given', () => {
  const env = {
    DATABASE_URL: 'postgres://db/samsa',
    SAMSA_SUPERUSER_PASSWORD: 'superuser-password',
    SAMSA_DATA_DIR: '/nonexistent',
  };
  assert.equal(processorsConfig([], env).schemaRegistry, null, 'none set: no registry');
  const c = processorsConfig([], { ...env, SAMSA_SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081' });
  assert.deepEqual(c.schemaRegistry, {
    url: 'http://127.0.0.1:8081',
    username: 'admin',
    password: 'superuser-password',
  });
  const own = processorsConfig([], {
    ...env,
    SAMSA_SCHEMA_REGISTRY_URL: 'https://registry.example',
    SAMSA_SCHEMA_REGISTRY_USERNAME: 'reader',
    SAMSA_SCHEMA_REGISTRY_PASSWORD: 'reader-password',
  });
  assert.deepEqual(own.schemaRegistry, {
    url: 'https://registry.example',
    username: 'reader',
    password: 'reader-password',
  });
  assert.deepEqual(problems([], { ...env, SAMSA_SCHEMA_REGISTRY_URL: 'registry:8081' }), [
    'SAMSA_SCHEMA_REGISTRY_URL: "registry:8081" is not an http(s) URL (e.g. http://127.0.0.1:8081)',
  ]);
});
