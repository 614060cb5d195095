/**
 * The gateway with TLS both ways, against a real Apache Kafka (one KRaft node, SASL/SCRAM, the StandardAuthorizer,
 * and a SASL_SSL listener serving a certificate of a CA made here with openssl) and a real Postgres: the gateway
 * serves its listeners over TLS with a certificate of the same CA and reaches Kafka over SASL_SSL trusting that CA.
 * kcat, KafkaJS and confluent-kafka produce and consume through it with the CA and a tenant's key; Kafka's own view
 * holds the prefixed topics and records. A plaintext client and a client that does not trust the CA fail cleanly and
 * the gateway keeps serving; a gateway given the wrong CA or server name for the cluster stops with a message naming
 * the option to set; the connection caps apply before the handshake and a handshake never started is cut at the
 * authentication deadline.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createDb, type Db } from '@samsa/db';
import { generateSecretKey, secretKeyFromEnv } from '@samsa/db/secret-box';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { type KafkaCluster, startKafka } from '@samsa/kafka-harness/kafka';
import { eventually } from '@samsa/test-support/eventually';
import { consumeValues } from '@samsa/test-support/kafkajs-values';
import { kcat, kcatSaslSsl } from '@samsa/test-support/kcat';
import { makeTestCertificates, type TestCertificates } from '@samsa/test-support/test-certificates';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import pino from 'pino';
import { reconcileTenants } from './support/reconcile.ts';
import { type Gateway, type GatewayOptions, startGateway } from '../src/index.ts';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const HERE = import.meta.dirname;
const SUPERUSER = { name: 'admin', password: 'admin-secret' };
const RECORDS = 10;
const secretsKey = secretKeyFromEnv({ SAMSA_SECRETS_KEY: generateSecretKey() });

let certs: TestCertificates;
let kafka: KafkaCluster;
let database: TestDatabase;
let db: Db;
let fixtures: TenantFixtures;
let key: TestKey;
let gateway: Gateway;

/** The gateway's options: TLS to clients with `server.pem`, SASL_SSL to Kafka trusting `caFile`. */
function gatewayOptions(overrides: Partial<GatewayOptions> = {}): GatewayOptions {
  return {
    cluster: {
      bootstrap: kafka.saslSslBootstrap!.split(','),
      sasl: { mechanism: 'SCRAM-SHA-512', username: SUPERUSER.name, password: SUPERUSER.password },
      tls: { caFile: certs.caFile },
    },
    tls: { certFile: certs.certFile, keyFile: certs.keyFile },
    databaseUrl: database.url,
    secretsKey,
    port: 0,
    logger: pino({ level: 'warn' }),
    ...overrides,
  };
}

before(
  async () => {
    if (skip) return;
    certs = makeTestCertificates();
    const { certFile, keyFile } = certs;
    [kafka, database] = await Promise.all([
      startKafka({
        sasl: { superuser: SUPERUSER },
        tls: { certFile, keyFile },
        // One offsets partition: the first group's coordinator is ready in a moment rather than after 50 are made.
        props: { 'offsets.topic.num.partitions': '1' },
      }),
      createTestDatabase(),
    ]);
    db = createDb(database.url, { poolMax: 2 });
    fixtures = new TenantFixtures(database.url);
    const acmeId = await fixtures.tenant('acme');
    key = await fixtures.key(acmeId, 'app', { secretsKey });
    await fixtures.admin(acmeId, 'app');
    await reconcileTenants(db, { saslBootstrap: kafka.saslBootstrap!, superuser: SUPERUSER, secretsKey });
    gateway = await startGateway(gatewayOptions());
  },
  { timeout: 240_000 },
);

after(async () => {
  await gateway?.close();
  await db?.$disconnect();
  await fixtures?.close();
  await kafka?.stop();
  await database?.drop();
  certs?.remove();
});

const expected = (prefix: string) => Array.from({ length: RECORDS }, (_, i) => `${prefix}-${i}`).sort();

/** KafkaJS through the gateway with the tenant's key; `ssl` as given (the CA, none, or the system's CAs). */
function kafkajs(ssl: KafkaConfig['ssl'], extra: Partial<KafkaConfig> = {}) {
  return new Kafka({
    clientId: 'kafkajs-through-tls-gateway',
    brokers: [gateway.bootstrap],
    logLevel: logLevel.NOTHING,
    ssl,
    sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
    ...extra,
  });
}

const trusted = () => ({ ca: [readFileSync(certs.caFile, 'utf8')] });

/** Kafka's own view as its super user over the PLAINTEXT listener: every record value of a topic. */
async function kafkaValues(topic: string): Promise<string[]> {
  const direct = new Kafka({ brokers: kafka.bootstrap.split(','), clientId: 'direct', logLevel: logLevel.NOTHING });
  const consumer = direct.consumer({ groupId: `direct-${topic}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  return (await consumeValues(consumer, RECORDS, 60_000)).sort();
}

const kcatTls = () =>
  kcatSaslSsl({ bootstrap: gateway.bootstrap, caFile: certs.caFile, username: key.keyId, password: key.secret });

test('kcat over SASL_SSL produces and consumes with a group through the TLS gateway to a TLS Kafka', {
  skip,
  timeout: 120_000,
}, async () => {
  const input = expected('kcat')
    .map((v, i) => `k${i}:${v}`)
    .join('\n');
  await kcat([...kcatTls(), '-P', '-t', 'kcat-tls', '-K:', '-X', 'enable.idempotence=true'], `${input}\n`, 60_000);
  const out = await kcat(
    [
      ...kcatTls(),
      '-G',
      'kcat-tls-group',
      '-X',
      'auto.offset.reset=earliest',
      '-c',
      String(RECORDS),
      '-f',
      '%s\n',
      'kcat-tls',
    ],
    undefined,
    60_000,
  );
  assert.deepEqual(out.stdout.trim().split('\n').sort(), expected('kcat'));
  assert.deepEqual(await kafkaValues('acme.kcat-tls'), expected('kcat'));
});

test('KafkaJS with the CA produces idempotently and consumes with a group through the TLS gateway', {
  skip,
  timeout: 120_000,
}, async () => {
  const client = kafkajs(trusted());
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'kafkajs-tls', numPartitions: 2 }] });
  await admin.disconnect();
  const producer = client.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic: 'kafkajs-tls',
    acks: -1,
    messages: expected('kafkajs').map((value, i) => ({ key: `k${i}`, value })),
  });
  await producer.disconnect();
  const consumer = client.consumer({ groupId: 'kafkajs-tls-group' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'kafkajs-tls', fromBeginning: true });
  const values = await consumeValues(consumer, RECORDS, 60_000);
  assert.deepEqual(values.sort(), expected('kafkajs'));
  assert.deepEqual(await kafkaValues('acme.kafkajs-tls'), expected('kafkajs'));
});

function confluent(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/python3',
      [join(HERE, 'support/python/sasl_clients.py'), 'confluent-kafka', ...args],
      { timeout: 120_000, env: { ...process.env, SASL_CLIENTS_CA_FILE: certs.caFile } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`sasl_clients.py ${args[0]}: ${err.message}\n${stdout}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
      },
    );
  });
}

test('confluent-kafka with the CA produces and consumes with a group through the TLS gateway', {
  skip,
  timeout: 180_000,
}, async () => {
  const produced = await confluent([
    'produce',
    gateway.bootstrap,
    key.keyId,
    key.secret,
    'confluent-tls',
    String(RECORDS),
    'confluent',
  ]);
  assert.equal(produced.delivered, RECORDS, JSON.stringify(produced));
  const consumed = await confluent([
    'consume',
    gateway.bootstrap,
    key.keyId,
    key.secret,
    'confluent-tls',
    'confluent-tls-group',
    String(RECORDS),
    '60',
  ]);
  assert.deepEqual((consumed.values as string[]).sort(), expected('confluent'));
  assert.deepEqual(await kafkaValues('acme.confluent-tls'), expected('confluent'));
});

test('a plaintext client and a client that does not trust the CA fail cleanly; the gateway keeps serving', {
  skip,
  timeout: 60_000,
}, async () => {
  const quick = { retry: { retries: 0 }, connectionTimeout: 5_000, authenticationTimeout: 5_000 };
  const plaintext = kafkajs(undefined, quick).admin();
  await assert.rejects(plaintext.connect());
  await plaintext.disconnect();
  // ssl: true trusts the system's CAs only, which never signed this gateway's certificate.
  const untrusting = kafkajs(true, quick).admin();
  await assert.rejects(untrusting.connect(), /self[- ]signed|unable to (get|verify)|certificate/i);
  await untrusting.disconnect();
  const admin = kafkajs(trusted()).admin();
  await admin.connect();
  const described = await admin.describeCluster();
  assert.deepEqual(
    described.brokers.map((b) => `${b.host}:${b.port}`),
    [...gateway.brokerPorts().values()].map((port) => `127.0.0.1:${port}`),
  );
  await admin.disconnect();
});

test('a gateway with the wrong CA or server name for the cluster, or without TLS to its TLS listener, stops naming the option to set', {
  skip,
  timeout: 60_000,
}, async () => {
  const cluster = gatewayOptions().cluster;
  await assert.rejects(
    startGateway(gatewayOptions({ cluster: { ...cluster, tls: { caFile: certs.otherCaFile } } })),
    /TLS certificate is not trusted.*--cluster-ca-file/,
  );
  await assert.rejects(
    startGateway(
      gatewayOptions({ cluster: { ...cluster, tls: { caFile: certs.caFile, serverName: 'kafka.example.com' } } }),
    ),
    /does not hold the name kafka\.example\.com.*--cluster-tls-server-name/,
  );
  await assert.rejects(
    startGateway(gatewayOptions({ cluster: { ...cluster, tls: { caFile: join(certs.dir, 'missing.pem') } } })),
    /cannot read --cluster-ca-file .*missing\.pem/,
  );
  const { tls: _tls, ...plaintext } = cluster;
  await assert.rejects(startGateway(gatewayOptions({ cluster: plaintext })), /SASL_SSL listener, set --cluster-tls/);
});

/** A TCP connection to `port` that never starts a TLS handshake; resolves with whether the gateway closed it. */
function silentConnection(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

test('the per-address cap applies before the TLS handshake, and a handshake never started is cut at the deadline', {
  skip,
  timeout: 60_000,
}, async () => {
  const bounded = await startGateway(
    gatewayOptions({ maxConnectionsPerAddress: 2, authTimeoutMs: 3_000, metricsPort: 0 }),
  );
  const metric = async (pattern: string) => {
    const text = await (await fetch(`http://${bounded.metricsAddress}/metrics`)).text();
    return Number(text.match(new RegExp(`^${pattern} (\\d+)$`, 'm'))?.[1] ?? 0);
  };
  const closedBy = (reason: string) => metric(`samsa_gateway_connections_closed_total\\{reason="${reason}"\\}`);
  try {
    const port = Number(bounded.bootstrap.split(':')[1]);
    const first = await silentConnection(port);
    const second = await silentConnection(port);
    const third = await silentConnection(port);
    // The third is over the cap and closed before any handshake; the first two at the authentication deadline.
    await third.closed;
    await Promise.all([first.closed, second.closed]);
    assert.equal(await closedBy('per_address'), 1);
    assert.equal(await closedBy('auth_timeout'), 2);
    // Once they are gone, a TLS client gets in again.
    const admin = new Kafka({
      clientId: 'after-the-cap',
      brokers: [bounded.bootstrap],
      logLevel: logLevel.NOTHING,
      ssl: trusted(),
      sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
    }).admin();
    await admin.connect();
    await admin.disconnect();
    // Every connection, handshaken or not, is counted out when it closes.
    await eventually(async () => (await metric('samsa_gateway_connections')) === 0, 'no open connections left');
  } finally {
    await bounded.close();
  }
});
