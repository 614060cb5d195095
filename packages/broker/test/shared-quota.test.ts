/**
 * Tenant-wide quotas shared by several instances (gateways) through a real Postgres: two instances serving one tenant
 * at its full quota each admit about one quota in total, not two; an instance that stops syncing stops counting
 * after the staleness window (one that stops cleanly, at once); another tenant keeps its whole quota; with Postgres
 * unreachable each instance falls back to quota / last known instance count, logged once, and nothing throws.
 *
 * Clients are simulated on a fake clock, as Kafka clients behave under a quota: each request is served, and the client
 * waits the throttle time it was given (or its own pace) before the next one. Only staleness, judged by Postgres's
 * clock, takes real time.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { eventually } from '@samsa/test-support/eventually';
import pg from 'pg';
import { pino } from 'pino';
import type { Principal } from '../src/auth/principal.ts';
import { PgSharedQuotaStore, SharedQuota, type SharedQuotaOptions } from '../src/tenancy/shared-quota.ts';
import { byteRateThrottleMs, MetadataView, Tenancy } from '../src/tenancy/tenancy.ts';
import type { TopicRegistry } from '../src/topics/topic-registry.ts';
import { NO_QUOTA } from '../src/tenancy/metadata-view.ts';

const QUOTA = 1_000_000;
const CHUNK = QUOTA / 20;
const INTERVAL_MS = 1_000;

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db?.drop();
});

class FakeClock {
  ms = Date.UTC(2026, 11, 7, 12, 0, 0);
  readonly now = () => this.ms;
}

/** A logger whose lines the test can read. */
function capturedLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

function instance(clock: FakeClock, opts: Partial<SharedQuotaOptions> = {}): SharedQuota {
  return new SharedQuota({
    instanceId: randomUUID(),
    databaseUrl: db.url,
    syncIntervalMs: INTERVAL_MS,
    logger: pino({ level: 'silent' }),
    nowMs: clock.now,
    ...opts,
  });
}

/** A client sending a tenant's produce traffic through one instance at the quota rate, honouring throttles. */
interface Client {
  /** Serves `bytes` of produce and returns the throttle time in ms. */
  send(bytes: number): number;
  demandBytesPerSec: number;
  nextSendMs: number;
  admittedBytes: number;
}

function client(via: SharedQuota, tenantId: string, clock: FakeClock): Client {
  const send = (bytes: number) => via.record(tenantId, 'produce', bytes, QUOTA);
  return { send, demandBytesPerSec: QUOTA, nextSendMs: clock.ms, admittedBytes: 0 };
}

/**
 * Runs the clients for `intervals` sync intervals of fake time; `syncing` instances sync at the end of each.
 * Returns each client's admitted rate over that time, in bytes per second.
 */
async function drive(
  clock: FakeClock,
  clients: Client[],
  syncing: SharedQuota[],
  intervals: number,
): Promise<number[]> {
  const startMs = clock.ms;
  const before = clients.map((c) => c.admittedBytes);
  for (let i = 0; i < intervals; i++) {
    const endMs = clock.ms + INTERVAL_MS;
    for (;;) {
      const c = clients.reduce((a, b) => (b.nextSendMs < a.nextSendMs ? b : a));
      if (c.nextSendMs >= endMs) break;
      clock.ms = Math.max(clock.ms, c.nextSendMs);
      const throttleMs = c.send(CHUNK);
      c.admittedBytes += CHUNK;
      c.nextSendMs = clock.ms + Math.max(throttleMs, (CHUNK * 1000) / c.demandBytesPerSec);
    }
    clock.ms = endMs;
    for (const s of syncing) await s.sync();
  }
  const seconds = (clock.ms - startMs) / 1000;
  return clients.map((c, i) => (c.admittedBytes - before[i]!) / seconds);
}

test('two instances serving one tenant at its full quota each admit about one quota in total', async () => {
  const clock = new FakeClock();
  const a = instance(clock);
  const b = instance(clock);
  const acme = randomUUID();
  const globex = randomUUID();
  try {
    const [viaA, viaB, globexViaA] = await drive(
      clock,
      [client(a, acme, clock), client(b, acme, clock), client(a, globex, clock)],
      [a, b],
      20,
    );
    const total = viaA! + viaB!;
    assert.ok(total < 1.5 * QUOTA, `acme admitted ${total} B/s through two instances, quota ${QUOTA}`);
    assert.ok(total > 0.5 * QUOTA, `acme admitted only ${total} B/s through two instances, quota ${QUOTA}`);
    // Neither instance starves: both saturated instances converge on half each.
    assert.ok(viaA! > 0.25 * QUOTA && viaB! > 0.25 * QUOTA, `acme split ${viaA} / ${viaB}`);
    // Another tenant, on one instance only, keeps its whole quota.
    assert.ok(globexViaA! > 0.95 * QUOTA, `globex admitted ${globexViaA} B/s alone, quota ${QUOTA}`);
    assert.equal(a.allowedBytesPerSec(globex, 'produce', QUOTA), QUOTA);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('an instance that stops syncing stops counting after the staleness window; one that stops cleanly at once', async () => {
  const clock = new FakeClock();
  const aId = randomUUID();
  const a = instance(clock, { instanceId: aId });
  // B's rows are stale after 3 × 400 ms of Postgres time.
  const bId = randomUUID();
  const b = instance(clock, { instanceId: bId, syncIntervalMs: 400, staleAfterIntervals: 3 });
  const c = instance(clock);
  const acme = randomUUID();
  try {
    await drive(clock, [client(a, acme, clock), client(b, acme, clock)], [a, b], 5);
    assert.ok(a.allowedBytesPerSec(acme, 'produce', QUOTA) < 0.75 * QUOTA, 'A shares the quota with B');
    // B stops syncing (a crashed gateway): A gets the whole quota once B's last row is stale.
    await eventually(
      async () => {
        await a.sync();
        return a.allowedBytesPerSec(acme, 'produce', QUOTA) === QUOTA;
      },
      'A to get the whole quota once B is stale',
      10_000,
    );
    // Pruning deletes an instance not seen for the given age, with its usage rows, and keeps the live one.
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    const store = new PgSharedQuotaStore(db.url, 5_000);
    try {
      const seen = async () =>
        (
          await pool.query(
            `SELECT "instanceId", (extract(epoch FROM now() - "seenAt") * 1000)::int AS "ageMs" FROM "SharedQuotaInstance"`,
          )
        ).rows;
      const ageOfB = (await seen()).find((r) => r.instanceId === bId)!.ageMs as number;
      await store.prune(ageOfB - 100);
      assert.deepEqual(
        (await seen()).map((r) => r.instanceId),
        [aId],
      );
      const usageOfB = await pool.query(`SELECT 1 FROM "SharedQuotaUsage" WHERE "instanceId" = $1`, [bId]);
      assert.equal(usageOfB.rowCount, 0);
    } finally {
      await store.close();
      await pool.end();
    }

    const [alone] = await drive(clock, [client(a, acme, clock)], [a], 5);
    assert.ok(alone! > 0.95 * QUOTA, `A alone admitted ${alone} B/s, quota ${QUOTA}`);

    // C shares with A, then stops cleanly: A's next sync gives it the whole quota back.
    await drive(clock, [client(a, acme, clock), client(c, acme, clock)], [a, c], 5);
    assert.ok(a.allowedBytesPerSec(acme, 'produce', QUOTA) < 0.75 * QUOTA, 'A shares the quota with C');
    await c.stop();
    await a.sync();
    assert.equal(a.allowedBytesPerSec(acme, 'produce', QUOTA), QUOTA);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('a Tenancy given sharedRates throttles its tenants at their share: two processes admit about one quota', async () => {
  const clock = new FakeClock();
  const tenant = {
    id: randomUUID(),
    slug: 'acme',
    status: 'ACTIVE' as const,
    quota: { ...NO_QUOTA, produceBytesPerSec: QUOTA },
  };
  const view = new MetadataView({ tenants: [tenant], keys: [], serviceAccountQuotas: [], acls: [] }, 1);
  const principal: Principal = {
    kind: 'tenant',
    tenant,
    key: { keyId: 'SKACME', serviceAccountId: randomUUID(), serviceAccountName: 'orders-app' },
  };
  // Two gateway-like processes: each its own Tenancy over the same control-plane view, and its own SharedQuota.
  const a = instance(clock);
  const b = instance(clock);
  const processes = [a, b].map((shared) => {
    const tenancy = new Tenancy({ view: () => view, superuser: null, topics: () => ({}) as TopicRegistry });
    tenancy.sharedRates = shared;
    return tenancy;
  });
  try {
    const clients = processes.map((tenancy): Client => {
      const send = (bytes: number) => byteRateThrottleMs(tenancy, principal, 'produce', bytes);
      return { send, demandBytesPerSec: QUOTA, nextSendMs: clock.ms, admittedBytes: 0 };
    });
    const [viaA, viaB] = await drive(clock, clients, [a, b], 20);
    const total = viaA! + viaB!;
    assert.ok(total < 1.5 * QUOTA && total > 0.5 * QUOTA, `acme admitted ${total} B/s through two processes`);
    // The traffic each process reports to the console is what it served.
    assert.equal(processes[0]!.traffic.take().tenants[0]!.produceBytes, viaA! * 20);
  } finally {
    await a.stop();
    await b.stop();
  }
});

/** A TCP proxy to Postgres that the test can cut (every connection dropped, nothing listening) and restore. */
async function postgresProxy(url: string) {
  const target = new URL(url);
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = net.createServer((s) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        for (const x of [s, upstream]) {
          sockets.add(x);
          x.on('error', () => {});
          x.on('close', () => sockets.delete(x));
        }
        s.pipe(upstream).pipe(s);
      });
      server.listen(port, '127.0.0.1', () => resolve((server!.address() as net.AddressInfo).port));
    });
  const port = await listen(0);
  const proxied = new URL(url);
  proxied.host = `127.0.0.1:${port}`;
  return {
    url: proxied.toString(),
    async cut() {
      await new Promise<void>((resolve) => {
        server!.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    restore: () => listen(port),
  };
}

test('with Postgres unreachable each instance enforces quota / last known instances, logged once, and never throws', async () => {
  const clock = new FakeClock();
  const proxy = await postgresProxy(db.url);
  const { logger, lines } = capturedLogger();
  const a = instance(clock, { databaseUrl: proxy.url, logger });
  const b = instance(clock);
  const acme = randomUUID();
  try {
    await drive(clock, [client(a, acme, clock), client(b, acme, clock)], [a, b], 3);
    assert.deepEqual(a.status(), { unreachable: false, lastKnownInstances: 2 });

    await proxy.cut();
    // The request path keeps answering while every sync fails; A alone would get the whole quota without the fallback.
    const [viaA] = await drive(clock, [client(a, acme, clock)], [a], 6);
    assert.deepEqual(a.status(), { unreachable: true, lastKnownInstances: 2 });
    assert.equal(a.allowedBytesPerSec(acme, 'produce', QUOTA), QUOTA / 2);
    assert.ok(viaA! < 0.6 * QUOTA, `A admitted ${viaA} B/s with Postgres down, quota ${QUOTA} over 2 instances`);
    const warnings = lines.filter((l) => l.msg.includes('Postgres unreachable'));
    assert.equal(warnings.length, 1, 'the fallback is logged once');
    assert.ok(!JSON.stringify(lines).includes(db.url), 'the database URL is not logged');

    await proxy.restore();
    await a.sync();
    assert.equal(a.status().unreachable, false);
    assert.equal(lines.filter((l) => l.msg.includes('reachable again')).length, 1);
  } finally {
    await a.stop();
    await b.stop();
    await proxy.cut();
  }
});

test('an instance that never reached Postgres serves with the whole quota (it knows of no other) and never throws', async () => {
  const clock = new FakeClock();
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const { logger, lines } = capturedLogger();
  const a = instance(clock, { databaseUrl: `postgres://postgres@127.0.0.1:${port}/samsa`, logger });
  const acme = randomUUID();
  try {
    const [viaA] = await drive(clock, [client(a, acme, clock)], [a], 3);
    assert.ok(viaA! > 0.95 * QUOTA);
    assert.deepEqual(a.status(), { unreachable: true, lastKnownInstances: 1 });
    assert.equal(lines.filter((l) => l.msg.includes('Postgres unreachable')).length, 1);
  } finally {
    await a.stop();
  }
});
