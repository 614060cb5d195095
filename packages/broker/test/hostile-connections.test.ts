/**
 * Hostile clients against a real broker process over raw sockets: oversized frames before authentication, silent and
 * slow connections, floods from one address, pipelined password guesses, partial frames that would hold the broker's
 * memory, and an unauthenticated /metrics scrape. Each test performs the attack and checks what an operator would:
 * the connection is closed (or the memory bounded), the broker's RSS, its log line and its metric.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import {
  ApiVersions,
  decodeResponse,
  encodeRequest,
  ErrorCode,
  Fetch,
  FrameAssembler,
  Metadata,
  SaslAuthenticate,
  SaslHandshake,
} from '@samsa/protocol';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { loadConfig } from '../src/config.ts';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { TenantFixtures } from '@samsa/test-support/tenants';
import { eventually, logged } from '@samsa/test-support/eventually';

const SUPERUSER_PASSWORD = 'hostile-superuser-password';
const MiB = 1024 * 1024;

/** A broker with SASL on and only the superuser (no database needed). */
function saslBroker(args: string[] = []): Promise<BrokerProcess> {
  return startBroker({ args: ['--auth', 'sasl', ...args], env: { SAMSA_SUPERUSER_PASSWORD: SUPERUSER_PASSWORD } });
}

/** Runs `body` against a broker and removes the broker whatever happens. */
async function withBroker(starting: Promise<BrokerProcess>, body: (broker: BrokerProcess) => Promise<void>) {
  const broker = await starting;
  try {
    await body(broker);
  } finally {
    await broker.cleanup();
  }
}

/** Creates a topic by asking for it (auto-creation is on without auth). */
async function createTopic(c: RawClient, name: string): Promise<void> {
  await c.request(Metadata, 9, {
    topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name }],
    allowAutoTopicCreation: true,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
}

/** A Fetch v11 body for partition 0 from offset 0 that waits up to `maxWaitMs` for a first byte. */
function longPoll(topic: string, maxWaitMs: number) {
  return {
    maxWaitMs,
    minBytes: 1,
    maxBytes: MiB,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: MiB }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'VmRSS in /proc/<pid>/status');
  return Number(m[1]) * 1024;
}

async function metrics(broker: BrokerProcess, token?: string): Promise<string> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return (await fetch(`http://127.0.0.1:${broker.httpPort}/metrics`, { headers })).text();
}

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

interface RawSocket {
  socket: Socket;
  closed: Promise<void>;
  isClosed(): boolean;
  /** Response frames (payload after the size), in arrival order. */
  responses: Buffer[];
}

function rawSocket(port: number): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const frames = new FrameAssembler(64 * MiB);
    const responses: Buffer[] = [];
    let isClosed = false;
    const closed = new Promise<void>((r) =>
      socket.on('close', () => {
        isClosed = true;
        r();
      }),
    );
    socket.on('data', (chunk) => responses.push(...frames.push(chunk)));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed, isClosed: () => isClosed, responses }));
    socket.once('error', reject);
  });
}

/** Resolves true if the socket closes within the time, false otherwise. */
async function closesWithin(s: RawSocket, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => {
    timer = setTimeout(() => r(false), timeoutMs);
  });
  const result = await Promise.race([s.closed.then(() => true), timeout]);
  clearTimeout(timer);
  return result;
}

function sizePrefix(size: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(size);
  return b;
}

/** Writes `totalBytes` of zeros as fast as the socket takes them, until done, closed or out of time. */
async function stream(s: RawSocket, totalBytes: number, timeoutMs: number): Promise<number> {
  const chunk = Buffer.alloc(256 * 1024);
  const deadline = Date.now() + timeoutMs;
  let sent = 0;
  while (sent < totalBytes && !s.isClosed() && Date.now() < deadline) {
    const n = Math.min(chunk.length, totalBytes - sent);
    sent += n;
    if (!s.socket.write(chunk.subarray(0, n))) {
      await Promise.race([
        new Promise((r) => s.socket.once('drain', r)),
        s.closed,
        new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now()))),
      ]);
    }
  }
  return sent;
}

test('before authentication a huge frame size closes the connection at once: 8 sockets cannot grow the RSS', async () => {
  await withBroker(saslBroker(), async (broker) => {
    const pid = broker.proc.pid!;
    const rssBefore = rssBytes(pid);
    // The attack from the issue: 8 silent sockets each announcing a 100 MiB frame and streaming its bytes.
    const sockets = await Promise.all(Array.from({ length: 8 }, () => rawSocket(broker.port)));
    const sent = await Promise.all(
      sockets.map((s) => {
        s.socket.write(sizePrefix(100 * MiB));
        return stream(s, 60 * MiB, 8_000);
      }),
    );
    for (const s of sockets) assert.equal(await closesWithin(s, 5_000), true, 'the broker closed the connection');
    const rssAfter = rssBytes(pid);
    assert.ok(
      rssAfter - rssBefore < 64 * MiB,
      `RSS grew by ${Math.round((rssAfter - rssBefore) / MiB)} MiB after ${Math.round(sent.reduce((a, b) => a + b, 0) / MiB)} MiB sent`,
    );
    const text = await metrics(broker);
    assert.equal(metricValue(text, 'samsa_connections_closed_total{reason="pre_auth_frame_too_large"}'), 8);
    await logged(broker, 'frame too large before authentication');

    // The limit is only before authentication: the superuser then sends a 600 KiB request (3000 topic names).
    const c = await RawClient.connect(broker.port);
    await c.saslPlain('admin', SUPERUSER_PASSWORD);
    const names = Array.from({ length: 3000 }, (_, i) => ({ name: `missing-${i}-${'x'.repeat(190)}` }));
    const res = (await c.request(Metadata, 9, {
      topics: names,
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    })) as { topics: { errorCode: number }[] };
    assert.equal(res.topics.length, 3000);
    assert.equal(res.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    c.close();
  });
});

test('a connection that does not authenticate within --auth-timeout-ms is closed, even if it keeps talking', async () => {
  await withBroker(saslBroker(['--auth-timeout-ms', '700']), async (broker) => {
    const silent = await rawSocket(broker.port);
    // Slowloris: handshake-only requests (allowed before authentication) keep coming, but no SASL.
    const chatty = await rawSocket(broker.port);
    let correlationId = 1;
    const ticker = setInterval(() => {
      if (!chatty.isClosed()) chatty.socket.write(encodeRequest(ApiVersions, 0, correlationId++, 'loris', {}));
    }, 100);
    const startedMs = Date.now();
    try {
      assert.equal(await closesWithin(silent, 5_000), true, 'the silent connection is closed');
      assert.equal(await closesWithin(chatty, 5_000), true, 'the chatty connection is closed');
    } finally {
      clearInterval(ticker);
    }
    assert.ok(Date.now() - startedMs >= 600, 'not before the deadline');
    assert.ok(chatty.responses.length >= 3, 'the chatty connection was served until its deadline');
    const text = await metrics(broker);
    assert.equal(metricValue(text, 'samsa_connections_closed_total{reason="auth_timeout"}'), 2);
    await logged(broker, 'not authenticated within 700 ms');

    // An authenticated connection outlives the deadline.
    const c = await RawClient.connect(broker.port);
    await c.saslPlain('admin', SUPERUSER_PASSWORD);
    assert.equal(await c.waitClosed(1_500), false);
    await c.request(Metadata, 1, { topics: null });
    c.close();
  });
});

test('idle connections are closed after --connections-max-idle-ms; a long-polling Fetch is not idle', async () => {
  await withBroker(
    startBroker({ args: ['--connections-max-idle-ms', '1000', '--fetch-max-wait-ms', '5000'] }),
    async (broker) => {
      const idle = await RawClient.connect(broker.port);
      await createTopic(idle, 'idle-poll');
      const polling = await RawClient.connect(broker.port);
      const startedMs = Date.now();
      // One Fetch parked for 2.5 s (longer than the idle timeout), with nothing to return.
      const parked = polling.request(Fetch, 11, longPoll('idle-poll', 2_500));
      assert.equal(await idle.waitClosed(5_000), true, 'the idle connection is closed');
      const res = (await parked) as { responses: { partitions: { errorCode: number }[] }[] };
      assert.ok(Date.now() - startedMs >= 2_400, 'the Fetch waited its full max wait');
      assert.equal(res.responses[0]!.partitions[0]!.errorCode, 0, 'the long poll was answered, not cut off');
      assert.equal(polling.closed, false);
      const text = await metrics(broker);
      assert.equal(metricValue(text, 'samsa_connections_closed_total{reason="idle"}'), 1);
      await logged(broker, 'no request for 1000 ms');
      polling.close();
    },
  );
});

test('connections from one address beyond --max-connections-per-ip are refused, with a log line and a metric', async () => {
  await withBroker(saslBroker(['--max-connections-per-ip', '5']), async (broker) => {
    const held = await Promise.all(Array.from({ length: 5 }, () => rawSocket(broker.port)));
    // A flood of 50 more from the same address: every one is closed, the five first are untouched.
    const flood = await Promise.all(Array.from({ length: 50 }, () => rawSocket(broker.port)));
    for (const s of flood) assert.equal(await closesWithin(s, 3_000), true, 'refused');
    for (const s of held) assert.equal(s.isClosed(), false);
    const text = await metrics(broker);
    assert.equal(metricValue(text, 'samsa_connections_refused_total{reason="per_ip"}'), 50);
    const refusedLogs = broker.logs.filter((l) => l.includes('too many connections from this address'));
    assert.ok(refusedLogs.length >= 1 && refusedLogs.length < 50, 'logged, but not once per refused connection');
    // A slot freed is a slot usable again.
    held[0]!.socket.destroy();
    await eventually(async () => {
      const s = await rawSocket(broker.port);
      s.socket.write(encodeRequest(ApiVersions, 0, 1, 'again', {}));
      const ok = !(await closesWithin(s, 300)) && s.responses.length === 1;
      s.socket.destroy();
      return ok;
    }, 'a new connection to be accepted');
    for (const s of held) s.socket.destroy();
  });
});

test('a failed SASL authentication stops the connection: nothing pipelined behind it is processed', async () => {
  await withBroker(saslBroker(), async (broker) => {
    const s = await rawSocket(broker.port);
    // One write: a wrong password, then a second guess with the right one, then a request hoping to run.
    s.socket.write(
      Buffer.concat([
        encodeRequest(SaslHandshake, 1, 1, 'guess', { mechanism: 'PLAIN' }),
        encodeRequest(SaslAuthenticate, 2, 2, 'guess', { authBytes: Buffer.from('\0admin\0wrong-password') }),
        encodeRequest(SaslHandshake, 1, 3, 'guess', { mechanism: 'PLAIN' }),
        encodeRequest(SaslAuthenticate, 2, 4, 'guess', { authBytes: Buffer.from(`\0admin\0${SUPERUSER_PASSWORD}`) }),
        encodeRequest(Metadata, 1, 5, 'guess', { topics: null }),
      ]),
    );
    assert.equal(await closesWithin(s, 5_000), true, 'the connection is closed');
    const ids = s.responses.map((f) => f.readInt32BE(0));
    assert.deepEqual(ids, [1, 2], 'only the handshake and the failed authentication are answered');
    const auth = decodeResponse(SaslAuthenticate, 2, s.responses[1]!).body;
    assert.equal(auth.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);

    // The brief's form: a Metadata request in the same write as the failed authentication.
    const t = await rawSocket(broker.port);
    t.socket.write(
      Buffer.concat([
        encodeRequest(SaslHandshake, 1, 1, 'guess', { mechanism: 'PLAIN' }),
        encodeRequest(SaslAuthenticate, 2, 2, 'guess', { authBytes: Buffer.from('\0admin\0wrong-password') }),
        encodeRequest(ApiVersions, 0, 3, 'guess', {}),
        encodeRequest(Metadata, 1, 4, 'guess', { topics: null }),
      ]),
    );
    assert.equal(await closesWithin(t, 5_000), true);
    assert.deepEqual(
      t.responses.map((f) => f.readInt32BE(0)),
      [1, 2],
    );
    const text = await metrics(broker);
    assert.equal(metricValue(text, 'samsa_connections_closed_total{reason="sasl_failed"}'), 2);
  });
});

test('partial frames share --max-buffered-request-bytes: 8 sockets streaming 64 MiB frames hold one frame, not 8', async () => {
  // No auth: every connection may send --max-request-bytes frames, so only the shared budget bounds the memory.
  await withBroker(
    startBroker({
      args: ['--max-request-bytes', String(64 * MiB), '--max-buffered-request-bytes', String(64 * MiB)],
    }),
    async (broker) => {
      const pid = broker.proc.pid!;
      const rssBefore = rssBytes(pid);
      const sockets = await Promise.all(Array.from({ length: 8 }, () => rawSocket(broker.port)));
      // Each announces a 64 MiB frame and sends all but the last KiB of it, so no frame ever completes.
      const sent = await Promise.all(
        sockets.map((s) => {
          s.socket.write(sizePrefix(64 * MiB - 4));
          return stream(s, 64 * MiB - 4 - 1024, 6_000);
        }),
      );
      const rssAfter = rssBytes(pid);
      const grownMiB = Math.round((rssAfter - rssBefore) / MiB);
      assert.ok(
        rssAfter - rssBefore < 160 * MiB,
        `RSS grew by ${grownMiB} MiB with ${Math.round(sent.reduce((a, b) => a + b, 0) / MiB)} MiB sent`,
      );
      const text = await metrics(broker);
      assert.equal(metricValue(text, 'samsa_request_buffer_waiting_connections'), 7, 'seven wait for room');
      assert.equal(metricValue(text, 'samsa_request_buffer_bytes{state="authenticated"}'), 64 * MiB);
      // Requests that arrive whole still run beside them.
      const c = await RawClient.connect(broker.port);
      const res = (await c.request(Metadata, 1, { topics: null })) as { brokers: unknown[] };
      assert.equal(res.brokers.length, 1);
      c.close();
      // When the holder goes away, a waiting connection gets the room.
      const holder = sockets[sent.indexOf(Math.max(...sent))]!;
      holder.socket.destroy();
      await eventually(
        async () => metricValue(await metrics(broker), 'samsa_request_buffer_waiting_connections') === 6,
        'a waiting connection to take the freed room',
      );
      for (const s of sockets) s.socket.destroy();
    },
  );
});

test('requests read and not yet answered stay counted; one connection reads at most --max-request-bytes ahead', async () => {
  await withBroker(
    startBroker({
      args: ['--max-request-bytes', '1024', '--max-pre-auth-request-bytes', '1024', '--fetch-max-wait-ms', '5000'],
    }),
    async (broker) => {
      const c = await RawClient.connect(broker.port);
      await createTopic(c, 'parked');
      // 20 pipelined long polls of about 100 bytes each (2 KB of requests, twice the connection's read-ahead) are
      // sent within 0.5 s, while the first are parked for 1.5 s.
      const fetchBody = longPoll('parked', 1_500);
      const frameBytes = encodeRequest(Fetch, 11, 1, 'raw-test', fetchBody).length;
      // One request per TCP segment: the read-ahead bound applies between reads (a single chunk is read whole).
      (c as unknown as { socket: Socket }).socket.setNoDelay(true);
      const parked: Promise<Record<string, unknown>>[] = [];
      for (let i = 0; i < 20; i++) {
        parked.push(c.request(Fetch, 11, fetchBody));
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 100));
      const held = metricValue(await metrics(broker), 'samsa_request_buffer_bytes{state="authenticated"}');
      assert.ok(held > 0, 'parked requests are counted');
      assert.ok(held <= 1024 + frameBytes, `${held} bytes read ahead, at most 1024 + one request`);
      const answers = await Promise.all(parked);
      assert.equal(answers.length, 20, 'every request is answered once earlier ones are');
      assert.equal(metricValue(await metrics(broker), 'samsa_request_buffer_bytes{state="authenticated"}'), 0);
      c.close();
    },
  );
});

test('unauthenticated partial frames may hold only a quarter of the budget; over it the newcomer is closed', async () => {
  await withBroker(
    saslBroker(['--max-buffered-request-bytes', String(4 * MiB), '--max-request-bytes', String(4 * MiB)]),
    async (broker) => {
      // A quarter is 1 MiB: two 500 KB frames fit, the third does not.
      const sockets: RawSocket[] = [];
      for (let i = 0; i < 3; i++) {
        const s = await rawSocket(broker.port);
        s.socket.write(Buffer.concat([sizePrefix(500_000), Buffer.alloc(1000)]));
        sockets.push(s);
        await eventually(async () => {
          const text = await metrics(broker);
          return (
            metricValue(text, 'samsa_request_buffer_bytes{state="unauthenticated"}') === Math.min(i + 1, 2) * 500_004
          );
        }, `reservation ${i}`);
      }
      assert.equal(await closesWithin(sockets[2]!, 3_000), true, 'the third is closed');
      assert.equal(sockets[0]!.isClosed() || sockets[1]!.isClosed(), false, 'the first two are kept');
      const text = await metrics(broker);
      assert.equal(metricValue(text, 'samsa_connections_closed_total{reason="buffer_budget"}'), 1);
      // Authenticated clients still have the rest of the budget.
      const c = await RawClient.connect(broker.port);
      await c.saslPlain('admin', SUPERUSER_PASSWORD);
      await c.request(Metadata, 1, { topics: null });
      c.close();
      for (const s of sockets) s.socket.destroy();
    },
  );
});

test('the HTTP listener: loopback by default, /metrics behind --metrics-token, /healthz without details', async () => {
  const defaults = loadConfig([], {});
  assert.equal(defaults.httpListen.host, '127.0.0.1');
  assert.equal(defaults.listen.host, '127.0.0.1');
  const token = 'metrics-token-0123456789';
  await withBroker(startBroker({ args: ['--metrics-token', token] }), async (broker) => {
    const url = `http://127.0.0.1:${broker.httpPort}/metrics`;
    const anonymous = await fetch(url);
    assert.equal(anonymous.status, 401);
    assert.doesNotMatch(await anonymous.text(), /samsa_/);
    const wrong = await fetch(url, { headers: { authorization: 'Bearer metrics-token-0123456780' } });
    assert.equal(wrong.status, 401);
    const right = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(right.status, 200);
    assert.match(await right.text(), /^samsa_connections 0$/m);
    await logged(broker, 'refused /metrics without the metrics token');
    assert.ok(!broker.logs.some((l) => l.includes(token)), 'the token is never logged');
    const health = (await fetch(`http://127.0.0.1:${broker.httpPort}/healthz`).then((r) => r.json())) as {
      storage: Record<string, unknown>;
    };
    // A status, reason codes and the data directory's state in counts: no error text, no topic, no path.
    const { storage, ...rest } = health;
    assert.deepEqual(rest, { status: 'ok', reasons: [] });
    assert.deepEqual(Object.keys(storage).sort(), [
      'corruptBatches',
      'freeBytes',
      'minFreeBytes',
      'offlineLogs',
      'writable',
    ]);
    assert.ok(
      Object.values(storage).every((v) => typeof v === 'number' || typeof v === 'boolean'),
      JSON.stringify(storage),
    );
  });
});

let db: TestDatabase;
let fx: TenantFixtures;
before(async () => {
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
});
after(async () => {
  await fx?.close();
  await db?.drop();
});

test("a tenant's connection quota refuses the next connection and counts it in samsa_connections_refused_total", async () => {
  const tenant = await fx.tenant('capped', { maxConnections: 2 });
  const key = await fx.key(tenant, 'capped-app');
  await withBroker(startBroker({ args: ['--database-url', db.url] }), async (broker) => {
    const a = await RawClient.connect(broker.port);
    const b = await RawClient.connect(broker.port);
    await a.saslPlain(key.keyId, key.secret);
    await b.saslPlain(key.keyId, key.secret);
    const c = await RawClient.connect(broker.port);
    await assert.rejects(c.saslPlain(key.keyId, key.secret), /connection quota exceeded/);
    assert.equal(await c.waitClosed(), true);
    const text = await metrics(broker);
    assert.equal(metricValue(text, 'samsa_connections_refused_total{reason="tenant_quota"}'), 1);
    await a.request(Metadata, 1, { topics: null });
    a.close();
    b.close();
  });
});
