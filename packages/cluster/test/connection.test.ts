import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterConnectionError, clusterConnectionFromEnv, describeConnection } from '@samsa/cluster';

test('defaults: the local broker, no SASL, a 10 s request deadline', () => {
  assert.deepEqual(clusterConnectionFromEnv({}, 'samsa-test'), {
    bootstrapBrokers: ['127.0.0.1:9092'],
    sasl: undefined,
    clientId: 'samsa-test',
    requestTimeoutMs: 10_000,
  });
});

test('the superuser signs in with SCRAM-SHA-512 unless a mechanism is named; brokers are a list', () => {
  const c = clusterConnectionFromEnv(
    {
      SAMSA_BROKER_BOOTSTRAP: 'a:9092, b:9093',
      SAMSA_BROKER_SASL_USERNAME: 'admin',
      SAMSA_BROKER_SASL_PASSWORD: 's3cret',
      SAMSA_BROKER_REQUEST_TIMEOUT_MS: '2500',
    },
    'samsa-console',
  );
  assert.deepEqual(c.bootstrapBrokers, ['a:9092', 'b:9093']);
  assert.deepEqual(c.sasl, { mechanism: 'SCRAM-SHA-512', username: 'admin', password: 's3cret' });
  assert.equal(c.requestTimeoutMs, 2500);
  const plain = clusterConnectionFromEnv(
    { SAMSA_BROKER_SASL_MECHANISM: 'PLAIN', SAMSA_BROKER_SASL_USERNAME: 'u', SAMSA_BROKER_SASL_PASSWORD: 'p' },
    'x',
  );
  assert.equal(plain.sasl?.mechanism, 'PLAIN');
  // What may be logged leaves the password out.
  assert.doesNotMatch(JSON.stringify(describeConnection(c)), /s3cret/);
});

test('empty variables count as unset', () => {
  const c = clusterConnectionFromEnv(
    { SAMSA_BROKER_BOOTSTRAP: '', SAMSA_BROKER_SASL_USERNAME: '', SAMSA_BROKER_SASL_PASSWORD: '' },
    'x',
  );
  assert.deepEqual(c.bootstrapBrokers, ['127.0.0.1:9092']);
  assert.equal(c.sasl, undefined);
});

test('bad settings name the variable and what to do, never echo the password', () => {
  const failure = (env: Record<string, string>): string => {
    try {
      clusterConnectionFromEnv(env, 'x');
    } catch (err) {
      assert.ok(err instanceof ClusterConnectionError);
      return err.message;
    }
    assert.fail('expected the settings to be refused');
  };
  assert.match(
    failure({ SAMSA_BROKER_SASL_USERNAME: 'admin' }),
    /SAMSA_BROKER_SASL_PASSWORD.*set SAMSA_BROKER_SASL_PASSWORD too/,
  );
  const noUser = failure({ SAMSA_BROKER_SASL_PASSWORD: 'hunter2-secret' });
  assert.match(noUser, /set SAMSA_BROKER_SASL_USERNAME too/);
  assert.doesNotMatch(noUser, /hunter2-secret/);
  assert.match(failure({ SAMSA_BROKER_BOOTSTRAP: 'localhost' }), /SAMSA_BROKER_BOOTSTRAP.*HOST:PORT/);
  assert.match(
    failure({
      SAMSA_BROKER_SASL_MECHANISM: 'GSSAPI',
      SAMSA_BROKER_SASL_USERNAME: 'a',
      SAMSA_BROKER_SASL_PASSWORD: 'b',
    }),
    /SAMSA_BROKER_SASL_MECHANISM/,
  );
  assert.match(failure({ SAMSA_BROKER_REQUEST_TIMEOUT_MS: '0' }), /SAMSA_BROKER_REQUEST_TIMEOUT_MS/);
  assert.match(
    failure({ SAMSA_BROKER_SASL_MECHANISM: 'PLAIN' }),
    /SASL mechanism is set: set SAMSA_BROKER_SASL_USERNAME/,
  );
});
