/**
 * Postgres outages: the broker reaches the control plane's database through a proxy the test can cut. With the
 * database gone it keeps serving tenants from the last metadata view and says so on /healthz; restarted during the
 * outage it serves the view cached on disk; when the database is back it follows changes again.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, makeDataDir, startBroker } from '@samsa/test-support/broker-process';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { eventually, logged } from '@samsa/test-support/eventually';

/** A TCP proxy to Postgres that can be cut (every connection dropped, new ones refused) and restored. */
class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  private readonly targetHost: string;
  private readonly targetPort: number;

  constructor(targetHost: string, targetPort: number) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
  }

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    this.server = null;
  }
}

let db: TestDatabase;
let fx: TenantFixtures;
let proxy: CuttableProxy;
let broker: BrokerProcess;
let key: TestKey;
let dataDir: string;
let brokerDbUrl: string;

/** /healthz's status and reasons (its storage counts are disk-faults.test.ts's). */
async function health(): Promise<{ status: string; reasons: string[] }> {
  const { status, reasons } = (await (await fetch(`http://127.0.0.1:${broker.httpPort}/healthz`)).json()) as {
    status: string;
    reasons: string[];
  };
  return { status, reasons };
}

function client() {
  return new Kafka({
    clientId: 'outage-test',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
    sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
  });
}

before(async () => {
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  const tenant = await fx.tenant('steady');
  key = await fx.key(tenant, 'app');
  await fx.admin(tenant, 'app');
  const url = new URL(db.url);
  proxy = new CuttableProxy(url.hostname, Number(url.port || 5432));
  await proxy.open();
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  brokerDbUrl = url.toString();
  dataDir = await makeDataDir();
  broker = await startBroker({ dataDir, args: ['--database-url', brokerDbUrl] });
});

after(async () => {
  await broker?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await proxy?.cut().catch(() => {});
  await fx?.close();
  await db?.drop();
});

test('with Postgres cut off the broker serves from the last view, reports it stale, and catches up after', async () => {
  assert.deepEqual(await health(), { status: 'ok', reasons: [] });
  await proxy.cut();
  await eventually(
    async () => (await health()).reasons.includes('metadata_stale'),
    '/healthz to report the metadata as stale',
  );
  // Degraded, with reason codes only: the Postgres error text is in the log, not in the answer.
  const degraded = await health();
  assert.deepEqual(degraded, { status: 'degraded', reasons: ['metadata_unreachable', 'metadata_stale'] });
  await logged(broker, 'lost the Postgres connection');

  // Tenants still sign in and produce with what the broker last knew.
  const producer = client().producer();
  await producer.connect();
  await producer.send({ topic: 'during-outage', messages: [{ value: 'still flowing' }] });
  await producer.disconnect();

  // A restart during the outage starts from the view cached on disk.
  await broker.stop();
  broker = await startBroker({ dataDir, args: ['--database-url', brokerDbUrl] });
  await logged(broker, 'serving the cached metadata view');
  const admin = client().admin();
  await admin.connect();
  assert.deepEqual(await admin.listTopics(), ['during-outage']);
  await admin.disconnect();

  // Postgres is back: the broker reconnects and follows changes (a revoked key is cut off) again.
  await proxy.open();
  await eventually(async () => (await health()).status === 'ok', 'the broker to reconnect', 60_000);
  await fx.revoke(key.keyId);
  await eventually(
    async () =>
      client()
        .admin()
        .connect()
        .then(
          () => false,
          () => true,
        ),
    'the revoked key to be refused',
  );
});
