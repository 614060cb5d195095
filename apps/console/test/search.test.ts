/**
 * Message search against a real broker process with tenancy and a real Postgres: each matcher (substring, RE2
 * regex, JSON field, CEL) finds what it should among records a real Kafka client produced; a budget-limited search
 * says so with its stop positions and continues from them; cancellation (by id, by the client going away) stops the
 * scan; bad patterns are 400 with the reason; another tenant's member gets 404; searches at once are bounded.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { runSamsa } from '@samsa/test-support/samsa-cli';
import { type ApiServer, startApiServer } from './api-server.ts';
import { call, seedUser } from './helpers.ts';
import { connectedAdmin, eventually, kafkaAs, startTenancyHub, type TenancyHub, tenantWithKey } from './tenancy-hub.ts';

const TOTAL = 20_000;
const BASE_TIME_MS = Date.UTC(2026, 0, 1);
let hub: TenancyHub;
let http: ApiServer | undefined;
let member: string;
let outsider: string;

before(async () => {
  hub = await startTenancyHub();
  const key = await tenantWithKey(hub, 'acme');
  await tenantWithKey(hub, 'rival');
  const { db } = await import('../src/server/db.ts');
  const acme = await db().tenant.findUniqueOrThrow({ where: { slug: 'acme' } });
  const rival = await db().tenant.findUniqueOrThrow({ where: { slug: 'rival' } });
  member = (await seedUser('dev@acme.example', { memberships: [{ tenantId: acme.id, role: 'TENANT_MEMBER' }] })).token;
  outsider = (await seedUser('dev@rival.example', { memberships: [{ tenantId: rival.id, role: 'TENANT_ADMIN' }] }))
    .token;
  const kafka = kafkaAs(hub, key);
  const admin = await connectedAdmin(kafka);
  await admin.createTopics({
    topics: [
      { topic: 'events', numPartitions: 2 },
      { topic: 'timed', numPartitions: 1 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (let start = 0; start < TOTAL; start += 2_000) {
    const messages = Array.from({ length: 2_000 }, (_, j) => {
      const i = start + j;
      return {
        partition: i % 2,
        key: `order-${i}`,
        value: JSON.stringify({
          id: i,
          status: i === 4321 ? 'failed' : 'ok',
          amount: i,
          note: i === 7777 ? 'Needle here' : 'hay',
        }),
        headers: i === 19_995 ? { trace: 'abc-special' } : {},
      };
    });
    await producer.send({ topic: 'events', messages });
  }
  // Records with their own timestamps, a second apart, for time ranges.
  await producer.send({
    topic: 'timed',
    messages: Array.from({ length: 10 }, (_, i) => ({
      key: `t-${i}`,
      value: `tick ${i}`,
      timestamp: String(BASE_TIME_MS + i * 1_000),
    })),
  });
  await producer.disconnect();
});
after(async () => {
  await http?.close();
  await hub?.close();
});

const P = { tenant: 'acme', topic: 'events' };

/** Starts a search through the route handler; the caller reads the NDJSON stream. */
async function start(body: unknown, opts: { token?: string; signal?: AbortSignal; topic?: string } = {}) {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const op = apiRoutes['/tenants/{tenant}/topics/{topic}/search']!.POST!;
  const topic = opts.topic ?? P.topic;
  return op.handler(
    new Request(`http://console.test/api/v1/tenants/acme/topics/${topic}/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opts.token ?? member}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: opts.signal,
    }),
    { params: Promise.resolve({ ...P, topic }) },
  );
}

async function* events(res: Response): AsyncGenerator<any> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      yield JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
    }
  }
}

async function search(body: Record<string, unknown>, topic?: string) {
  const res = await start(body, { topic });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
  const all = [];
  for await (const e of events(res)) all.push(e);
  const end = all.at(-1);
  assert.equal(end.type, 'end', JSON.stringify(end));
  assert.equal(all[0].type, 'started');
  return { end, matches: all.filter((e) => e.type === 'match').map((e) => e.record), all };
}

test('a substring finds the one record that has it, case-insensitively by default, with a permalink', async () => {
  const { end, matches } = await search({ match: { kind: 'contains', text: 'needle HERE' } });
  assert.equal(end.reason, 'completed', end.message);
  assert.equal(end.scanned, TOTAL);
  assert.equal(end.continueFrom, null);
  assert.deepEqual(
    matches.map((m) => [m.partition, m.offset, m.key.text]),
    [[1, 3888, 'order-7777']],
  );
  assert.equal(matches[0].link, '/t/acme/topics/events?partition=1&offset=3888');
  assert.equal(JSON.parse(matches[0].value.text).note, 'Needle here');
  const exact = await search({ match: { kind: 'contains', text: 'needle here', caseSensitive: true } });
  assert.equal(exact.end.matched, 0);
});

test('a regular expression on the key, a header substring, a JSON field and a CEL expression each find theirs', async () => {
  const regex = await search({ match: { kind: 'regex', pattern: '^order-1234[5]$', field: 'key' } });
  assert.deepEqual(
    regex.matches.map((m) => m.key.text),
    ['order-12345'],
  );
  const header = await search({ match: { kind: 'contains', text: 'abc-spec', field: 'headers' } });
  assert.deepEqual(
    header.matches.map((m) => [m.key.text, m.headers[0].key]),
    [['order-19995', 'trace']],
  );
  const json = await search({ match: { kind: 'json', path: '$.status', op: 'eq', value: 'failed' } });
  assert.deepEqual(
    json.matches.map((m) => m.key.text),
    ['order-4321'],
  );
  const range = await search({ match: { kind: 'json', path: 'amount', op: 'gte', value: 19_998 } });
  assert.deepEqual(range.matches.map((m) => m.key.text).sort(), ['order-19998', 'order-19999']);
  const cel = await search({
    match: {
      kind: 'cel',
      expression: 'json.amount > 19990 && "trace" in headers && headers["trace"] == "abc-special" && partition == 1',
    },
  });
  assert.equal(cel.end.reason, 'completed', cel.end.message);
  assert.deepEqual(
    cel.matches.map((m) => m.key.text),
    ['order-19995'],
  );
  assert.equal(cel.end.evaluationErrors, 0);
  // A missing key is an evaluation error in CEL: such records do not match, and the end says how many there were.
  const strict = await search({ match: { kind: 'cel', expression: 'headers["trace"] == "abc-special"' } });
  assert.equal(strict.end.matched, 1);
  assert.equal(strict.end.evaluationErrors, TOTAL - 1);
});

test('an offset range of one partition scans only that range', async () => {
  const { end, matches } = await search({
    match: { kind: 'contains', text: 'order-' },
    partitions: [0],
    fromOffset: 10,
    toOffset: 19,
  });
  assert.equal(end.reason, 'completed');
  assert.equal(end.scanned, 10);
  assert.deepEqual(
    matches.map((m) => m.key.text),
    Array.from({ length: 10 }, (_, i) => `order-${(10 + i) * 2}`),
  );
});

test('a time range scans the records stamped within it, both ends included', async () => {
  const { end, matches } = await search(
    {
      match: { kind: 'contains', text: 'tick' },
      fromTimestampMs: BASE_TIME_MS + 3_000,
      toTimestampMs: BASE_TIME_MS + 6_000,
    },
    'timed',
  );
  assert.equal(end.reason, 'completed', end.message);
  assert.deepEqual(
    matches.map((m) => [m.key.text, m.timestamp]),
    [3, 4, 5, 6].map((i) => [`t-${i}`, BASE_TIME_MS + i * 1_000]),
  );
  assert.equal(end.scanned, 4, 'only the range is read');
});

test('a records budget ends the scan, says so with where each partition stopped, and the search continues from there', async () => {
  const first = await search({ match: { kind: 'contains', text: 'needle' }, maxRecords: 1_000 });
  assert.equal(first.end.reason, 'records_budget');
  assert.equal(first.end.scanned, 1_000);
  assert.match(first.end.message, /scan budget of 1000 records ended the search/);
  assert.match(first.end.message, /partition 0 at offset \d+ \(of 10000\)/);
  const stops = first.end.continueFrom as { partition: number; offset: number }[];
  assert.equal(
    stops.reduce((s, p) => s + p.offset, 0),
    1_000,
    'the stop positions account for every scanned record',
  );
  const rest = await search({ match: { kind: 'contains', text: 'needle' }, startOffsets: stops });
  assert.equal(rest.end.reason, 'completed');
  assert.equal(rest.end.scanned, TOTAL - 1_000);
  assert.equal(rest.end.matched, 1);
});

test('a time budget and the match limit end the scan and say so; a reader that falls behind pauses the scan', async () => {
  // Every record matches: the scan fills the stream's queue and waits for this reader, who is slower than the budget.
  const res = await start({ match: { kind: 'contains', text: 'hay' }, maxMs: 100 });
  const stream = events(res);
  const startedAtMs = Date.now();
  assert.equal((await stream.next()).value.type, 'started');
  await setTimeout(200);
  const rest = [];
  for await (const e of stream) rest.push(e);
  const end = rest.at(-1);
  assert.equal(end.reason, 'time_budget', end.message);
  assert.ok(Date.now() - startedAtMs >= 100);
  assert.match(end.message, /scan budget of 100 ms ended the search/);
  assert.ok(end.matched < 500, `paused while the reader was behind: ${end.matched} matches`);
  assert.equal(rest.filter((e) => e.type === 'match').length, end.matched);
  assert.equal(end.continueFrom.length, 2);

  const limited = await search({ match: { kind: 'contains', text: 'hay' }, maxMatches: 5 });
  assert.equal(limited.end.reason, 'match_limit');
  assert.equal(limited.matches.length, 5);
  assert.match(limited.end.message, /stopped at 5 matches/);
});

test('cancelling by id or by going away stops the scan and frees its slot', async () => {
  process.env.SAMSA_SEARCH_MAX_PER_TENANT = '1';
  try {
    // Every record matches and nobody reads: the scan waits on the full stream until it is cancelled.
    const res = await start({ match: { kind: 'contains', text: 'hay' } });
    const stream = events(res);
    const started = (await stream.next()).value;
    assert.equal(started.type, 'started');
    // The one slot of the tenant is taken.
    const refused = await start({ match: { kind: 'contains', text: 'x' } });
    assert.equal(refused.status, 429);
    assert.match((await refused.json()).error.message, /SAMSA_SEARCH_MAX_PER_TENANT/);
    const cancelled = await call(
      '/tenants/{tenant}/topics/{topic}/search/{searchId}',
      'DELETE',
      { ...P, searchId: started.searchId },
      { token: member },
    );
    assert.equal(cancelled.status, 204);
    let end: any;
    for await (const e of stream) end = e;
    assert.equal(end.type, 'end');
    assert.equal(end.reason, 'cancelled');
    assert.match(end.message, /The search was cancelled/);
    assert.ok(end.scanned < TOTAL, `scanned ${end.scanned}`);
    assert.ok(end.continueFrom);

    // The client goes away: the scan stops and the slot is free again.
    const gone = new AbortController();
    const second = await start({ match: { kind: 'contains', text: 'hay' } }, { signal: gone.signal });
    const secondEvents = events(second);
    const secondStarted = (await secondEvents.next()).value;
    gone.abort();
    await eventually(async () => {
      const again = await call(
        '/tenants/{tenant}/topics/{topic}/search/{searchId}',
        'DELETE',
        { ...P, searchId: secondStarted.searchId },
        { token: member },
      );
      return again.status === 404;
    }, 'the abandoned search has stopped');
    const third = await search({ match: { kind: 'contains', text: 'needle' }, partitions: [1] });
    assert.equal(third.end.matched, 1);
  } finally {
    delete process.env.SAMSA_SEARCH_MAX_PER_TENANT;
  }
});

test('a bad regular expression, CEL expression, path or budget is a 400 with the reason', async () => {
  const cases: [unknown, RegExp][] = [
    [{ match: { kind: 'regex', pattern: 'a(b' } }, /Invalid regular expression.*missing \)/],
    [{ match: { kind: 'regex', pattern: '(a)\\1' } }, /Invalid regular expression/],
    [{ match: { kind: 'cel', expression: 'json.status ==' } }, /^CEL: /],
    [{ match: { kind: 'cel', expression: 'nosuchvar == 1' } }, /CEL: .*Unknown variable: nosuchvar/],
    [{ match: { kind: 'cel', expression: 'offset + 1' } }, /must return bool/],
    [{ match: { kind: 'json', path: 'status', op: 'eq' } }, /needs a value/],
    [{ match: { kind: 'contains', text: 'x' }, maxRecords: 1e12 }, /SAMSA_SEARCH_MAX_RECORDS/],
    [{ match: { kind: 'contains', text: 'x' }, partitions: [7] }, /no partition 7/],
  ];
  for (const [body, reason] of cases) {
    const res = await start(body);
    const b = await res.json();
    assert.equal(res.status, 400, JSON.stringify(b));
    assert.equal(b.error.code, 'validation_failed');
    assert.match(b.error.message, reason);
  }
});

test("another tenant's member cannot search this tenant's topic, nor cancel its searches", async () => {
  const res = await start({ match: { kind: 'contains', text: 'needle' } }, { token: outsider });
  assert.equal(res.status, 404);
  const body = await res.json();
  assert.ok(!JSON.stringify(body).includes('events'));
  const missing = await search({ match: { kind: 'contains', text: 'x' }, partitions: [0], toOffset: 0 });
  assert.equal(missing.end.scanned, 1);
  const none = await call(
    '/tenants/{tenant}/topics/{topic}/search/{searchId}',
    'DELETE',
    { ...P, searchId: 'x' },
    {
      token: outsider,
    },
  );
  assert.equal(none.status, 404);
});

test('`samsa topic search` prints progress and the end to stderr, matches to stdout as CSV or JSON', async () => {
  http = await startApiServer();
  const env = { SAMSA_URL: http.url, SAMSA_TOKEN: member, SAMSA_CREDENTIALS_FILE: '/nonexistent/credentials.json' };
  const base = ['topic', 'search', '--tenant', 'acme', '--topic', 'events'];
  const csv = await runSamsa([...base, '--contains', 'needle', '--format', 'csv'], env);
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\n');
  assert.equal(lines[0], 'partition,offset,timestamp,key,value,headers,link');
  assert.equal(lines.length, 2, csv.stdout);
  assert.match(lines[1]!, /^1,3888,[^,]+,order-7777,"\{""id"":7777,/);
  assert.match(lines[1]!, /\/t\/acme\/topics\/events\?partition=1&offset=3888$/);
  assert.match(csv.stderr, /Scanned the whole range: 20000 records scanned, 1 matched/);
  const json = await runSamsa([...base, '--json-path', '$.status', '--eq', 'failed'], env);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(
    JSON.parse(json.stdout).map((m: any) => m.key.text),
    ['order-4321'],
  );
  const cel = await runSamsa([...base, '--cel', 'json.amount == 5', '--max-records', '100'], env);
  assert.equal(cel.code, 0, cel.stderr);
  assert.match(cel.stderr, /scan budget of 100 records ended the search/);
  assert.match(cel.stderr, /continue from: 0:\d+,1:\d+/);
  const bad = await runSamsa([...base, '--regex', 'a(b'], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Invalid regular expression.*\(validation_failed\)/);
});
