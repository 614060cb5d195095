import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { processorSecretsKey, superuserPassword } from '../src/commands/data-dir-secrets.ts';
import {
  clusterEnv,
  gatewayArgs,
  localBootstrap,
  setupNotice,
  setupToken,
  startCluster,
  startConfig,
} from '../src/commands/start.ts';

test('samsa start: configuration from flags and environment, with documented defaults', () => {
  const d = startConfig([], {});
  assert.equal(d.consolePort, 3000);
  assert.equal(d.brokerListen, '127.0.0.1:9092');
  assert.equal(d.consoleHost, '127.0.0.1', 'nothing listens beyond loopback unless configured');
  assert.equal(d.brokerHttpListen, undefined, "the broker's own default applies: 127.0.0.1:9644");
  assert.equal(d.databaseUrl, undefined);
  assert.equal(d.schemaRegistryListen, '127.0.0.1:8081', 'the schema registry listens on loopback by default');
  assert.match(d.dataDir, /\/data$/);
  const e = startConfig(['--console-port', '4000'], {
    SAMSA_CONSOLE_PORT: '3500',
    SAMSA_DATA_DIR: '/tmp/x',
    SAMSA_BROKER_LISTEN: '0.0.0.0:9999',
    DATABASE_URL: 'postgres://db/samsa',
  });
  assert.equal(e.consolePort, 4000, 'flags win over the environment');
  assert.equal(e.dataDir, '/tmp/x');
  assert.equal(e.databaseUrl, 'postgres://db/samsa');
  assert.throws(() => startConfig([], { SAMSA_CONSOLE_PORT: 'abc' }), /invalid console port/);
  assert.equal(d.processorsHost, true, 'a processor host runs under supervision by default');
  assert.equal(startConfig([], { SAMSA_PROCESSORS_HOST: 'off' }).processorsHost, false);
  assert.throws(
    () => startConfig([], { SAMSA_PROCESSORS_HOST: 'no' }),
    /invalid SAMSA_PROCESSORS_HOST: 'no' \(on or off\)/,
  );
});

test('samsa start: the console reaches a wildcard listener on loopback', () => {
  assert.equal(localBootstrap('0.0.0.0:9092'), '127.0.0.1:9092');
  assert.equal(localBootstrap('10.1.2.3:9093'), '10.1.2.3:9093');
});

test('samsa start: the broker superuser password is generated once per data directory and kept private', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-start-'));
  try {
    const first = superuserPassword(dir, {});
    assert.ok(first.length >= 24);
    assert.equal(superuserPassword(dir, {}), first);
    assert.equal(statSync(join(dir, 'superuser-password')).mode & 0o777, 0o600);
    assert.equal(superuserPassword(dir, { SAMSA_SUPERUSER_PASSWORD: 'given-password' }), 'given-password');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('samsa start: a fresh setup token at every start (unless given), printed only when setup can happen', () => {
  const a = setupToken({});
  assert.ok(a.length >= 32);
  assert.notEqual(setupToken({}), a);
  assert.equal(setupToken({ SAMSA_SETUP_TOKEN: 'chosen' }), 'chosen');
  assert.match(setupNotice({}, 'http://localhost:3000', a), new RegExp(`/setup .*setup token ${a}`, 's'));
  assert.equal(setupNotice({ SAMSA_ADMIN_EMAIL: 'a@b.c', SAMSA_ADMIN_PASSWORD: 'pw' }, 'http://x', a), '');
});

test('samsa start: the processor secrets key is generated once per data directory, kept private, or given', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-start-'));
  try {
    const first = processorSecretsKey(dir, {});
    assert.equal(Buffer.from(first, 'base64').length, 32);
    assert.equal(processorSecretsKey(dir, {}), first, 'the same key at the next start');
    assert.equal(statSync(join(dir, 'secrets-key')).mode & 0o777, 0o600);
    const given = Buffer.alloc(32, 7).toString('base64');
    assert.equal(processorSecretsKey(dir, { SAMSA_SECRETS_KEY: given }), given);
    assert.throws(() => processorSecretsKey(dir, { SAMSA_SECRETS_KEY: 'c2hvcnQ=' }), /must be 32 bytes in base64/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('samsa start --cluster: the cluster, its admin principal and the gateway on the broker addresses', () => {
  assert.equal(startConfig([], {}).cluster, undefined, 'the embedded broker by default');
  assert.equal(startConfig(['--cluster', 'k1:9093,k2:9093'], {}).cluster, 'k1:9093,k2:9093');
  assert.equal(startConfig([], { SAMSA_CLUSTER_BOOTSTRAP: 'k1:9093' }).cluster, 'k1:9093');
  assert.throws(() => startCluster('k1:9093', {}), /SAMSA_CLUSTER_SASL_USERNAME and SAMSA_CLUSTER_SASL_PASSWORD/);
  const cluster = startCluster('k1:9093,k2:9093', {
    SAMSA_CLUSTER_SASL_USERNAME: 'samsa-control',
    SAMSA_CLUSTER_SASL_PASSWORD: 'control-secret',
  });
  assert.deepEqual(clusterEnv(cluster), {
    SAMSA_CLUSTER_BOOTSTRAP: 'k1:9093,k2:9093',
    SAMSA_CLUSTER_SASL_MECHANISM: 'SCRAM-SHA-512',
    SAMSA_CLUSTER_SASL_USERNAME: 'samsa-control',
    SAMSA_CLUSTER_SASL_PASSWORD: 'control-secret',
  });
  const config = startConfig(['--broker-listen', '0.0.0.0:9092'], { SAMSA_BROKER_HTTP_LISTEN: '127.0.0.1:9700' });
  assert.deepEqual(gatewayArgs(config, cluster, {}).slice(1), [
    'gateway',
    '--cluster',
    'k1:9093,k2:9093',
    '--host',
    '0.0.0.0',
    '--port',
    '9092',
    '--metrics-port',
    '9700',
    '--advertised-host',
    hostname(),
  ]);
  const named = startConfig([], { SAMSA_BROKER_LISTEN: '10.0.0.5:9092' });
  assert.deepEqual(gatewayArgs(named, cluster, {}).slice(4), [
    '--host',
    '10.0.0.5',
    '--port',
    '9092',
    '--metrics-port',
    '9644',
  ]);
  assert.deepEqual(gatewayArgs(named, cluster, { SAMSA_BROKER_ADVERTISED_LISTENER: 'gw.example.com:9092' }).slice(-2), [
    '--advertised-host',
    'gw.example.com',
  ]);
});
