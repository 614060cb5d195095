/**
 * The TLS listener with SASL (SASL_SSL, what production clients use): kcat (librdkafka) and KafkaJS connect with the
 * broker's certificate as their CA, authenticate with a tenant key, produce and read back; a client that speaks
 * plaintext to the TLS port fails cleanly and the broker keeps serving.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { kcat, kcatSaslSsl } from '@samsa/test-support/kcat';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { logged } from '@samsa/test-support/eventually';

let db: TestDatabase;
let fx: TenantFixtures;
let broker: BrokerProcess;
let key: TestKey;
let certDir: string;
let caFile: string;

before(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'samsa-tls-'));
  caFile = join(certDir, 'cert.pem');
  // A self-signed certificate for 127.0.0.1: clients trust it as their CA.
  execFileSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    join(certDir, 'key.pem'),
    '-out',
    caFile,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  const tenant = await fx.tenant('secure');
  key = await fx.key(tenant, 'app');
  await fx.admin(tenant, 'app');
  broker = await startBroker({
    args: ['--database-url', db.url, '--tls-cert-file', caFile, '--tls-key-file', join(certDir, 'key.pem')],
  });
});

after(async () => {
  await broker?.cleanup();
  await fx?.close();
  await db?.drop();
  rmSync(certDir, { recursive: true, force: true });
});

/** KafkaJS over TLS (the broker's certificate as CA) with the tenant key over SCRAM-SHA-256. */
const tlsClient = (bootstrap: string, clientId: string) =>
  new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    ssl: { ca: [readFileSync(caFile, 'utf8')] },
    sasl: { mechanism: 'scram-sha-256', username: key.keyId, password: key.secret },
  });

const kcatTls = (...args: string[]) => [
  ...kcatSaslSsl({ bootstrap: broker.bootstrap, caFile, username: key.keyId, password: key.secret }),
  ...args,
];

test('kcat over SASL_SSL: metadata, produce and consume', async () => {
  await kcat(kcatTls('-P', '-t', 'secure-topic', '-K:'), 'k1:over tls\nk2:still encrypted\n');
  const meta = JSON.parse((await kcat(kcatTls('-L', '-J'))).stdout);
  assert.deepEqual(
    meta.topics.map((t: { topic: string }) => t.topic),
    ['secure-topic'],
  );
  const out = await kcat(kcatTls('-C', '-t', 'secure-topic', '-o', 'beginning', '-e', '-f', '%k=%s\\n'));
  assert.deepEqual(out.stdout.trim().split('\n'), ['k1=over tls', 'k2=still encrypted']);
});

test('KafkaJS over TLS with SCRAM produces and reads back; a plaintext client is refused cleanly', async () => {
  const kafka = tlsClient(broker.bootstrap, 'tls-test');
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'kafkajs-tls', messages: [{ key: 'a', value: 'encrypted hello', partition: 0 }] });
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets('kafkajs-tls');
  assert.equal(offsets[0]?.high, '1');
  await admin.disconnect();

  const plaintext = new Kafka({
    clientId: 'no-tls',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 3000,
    sasl: { mechanism: 'plain', username: key.keyId, password: key.secret },
  });
  await assert.rejects(plaintext.admin().connect());
  await logged(broker, 'TLS handshake failed');
  // Still serving TLS clients.
  const again = kafka.admin();
  await again.connect();
  assert.ok((await again.listTopics()).includes('kafkajs-tls'));
  await again.disconnect();
});

test('TLS: a handshake never started is cut at --auth-timeout-ms, and the per-address cap counts TCP connections', async () => {
  const limited = await startBroker({
    args: [
      '--database-url',
      db.url,
      '--tls-cert-file',
      caFile,
      '--tls-key-file',
      join(certDir, 'key.pem'),
      '--auth-timeout-ms',
      '500',
      '--max-connections-per-ip',
      '3',
    ],
  });
  try {
    // Silent TCP connections to the TLS port (no ClientHello): they hold a slot until the deadline, not 120 s.
    const open = () =>
      new Promise<{ socket: Socket; closed: Promise<number> }>((resolve) => {
        const socket = connect(limited.port, '127.0.0.1');
        socket.on('error', () => {});
        const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
        socket.once('connect', () => resolve({ socket, closed }));
      });
    const startedMs = Date.now();
    const silent = [await open(), await open(), await open()];
    const fourth = await open();
    const fourthClosedMs = await fourth.closed;
    // Refused at once, and closed unread within a second (the broker holds a refused connection for up to 1 s so that a
    // client reconnecting as soon as it is closed cannot make it accept thousands a second).
    assert.ok(
      fourthClosedMs - startedMs < 3_000,
      `the fourth from this address is refused: ${fourthClosedMs - startedMs} ms`,
    );
    for (const s of silent) {
      const closedMs = await s.closed;
      assert.ok(closedMs - startedMs >= 400 && closedMs - startedMs < 5_000, `closed after ${closedMs - startedMs} ms`);
    }
    const metrics = await fetch(`http://127.0.0.1:${limited.httpPort}/metrics`).then((r) => r.text());
    assert.match(metrics, /^samsa_connections_refused_total\{reason="per_ip"\} 1$/m);
    assert.match(metrics, /^samsa_connections_closed_total\{reason="auth_timeout"\} 3$/m);
    // A client that completes the handshake and authenticates in time outlives the deadline.
    const admin = tlsClient(limited.bootstrap, 'tls-in-time').admin();
    await admin.connect();
    await new Promise((r) => setTimeout(r, 1_000));
    await admin.listTopics();
    await admin.disconnect();
    const after = await fetch(`http://127.0.0.1:${limited.httpPort}/metrics`).then((r) => r.text());
    assert.match(after, /^samsa_connections_closed_total\{reason="auth_timeout"\} 3$/m, 'it was not cut off');
  } finally {
    await limited.cleanup();
  }
});
