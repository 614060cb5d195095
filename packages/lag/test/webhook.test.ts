/** Webhook alerts against a real local HTTP endpoint: filtering, signatures, bounded retries, the delivery log. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { GroupStatus, StatusChange } from '../src/types.ts';
import { FileDeliveryLog, isAlertable, signWebhook, staticWebhookTargets, WebhookNotifier } from '../src/webhook.ts';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}
const received: Received[] = [];
/** Status codes to answer, per path, in order; then 200. */
const script = new Map<string, number[]>();
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push({ path: req.url ?? '', headers: req.headers, body });
    const codes = script.get(req.url ?? '') ?? [];
    res.statusCode = codes.shift() ?? 200;
    res.end('ok');
  });
});
let base = '';
/** The receiver is on loopback, which webhooks may reach only with the operator's setting. */
const LOOPBACK_ALLOWED = { allowPrivate: true, allowedCidrs: [] };
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function change(
  groupId: string,
  from: GroupStatus | null,
  to: GroupStatus,
  tenantId: string | null = 'T1',
): StatusChange {
  return {
    groupId,
    tenantId,
    from,
    to,
    atMs: Date.UTC(2026, 0, 1),
    evaluation: {
      groupId,
      tenantId,
      status: to,
      error: null,
      reason: `orders[0]: because ${to}`,
      state: 'Stable',
      members: 1,
      topics: ['orders'],
      totalLag: 42,
      maxTimeLagMs: 9000,
      evaluatedAtMs: Date.UTC(2026, 0, 1),
      partitions: [
        {
          topic: 'orders',
          partition: 0,
          status: to === 'EMPTY' ? 'OK' : (to as 'OK'),
          reason: '',
          lag: 42,
          timeLagMs: 9000,
          noCommittedOffset: false,
        },
        { topic: 'orders', partition: 1, status: 'OK', reason: '', lag: 0, timeLagMs: 0, noCommittedOffset: false },
      ],
    },
  };
}

test('only changes into or out of WARNING, STALLED or STOPPED alert', () => {
  assert.equal(isAlertable({ from: null, to: 'OK' }), false);
  assert.equal(isAlertable({ from: 'OK', to: 'EMPTY' }), false);
  assert.equal(isAlertable({ from: 'OK', to: 'REWIND' }), false);
  assert.equal(isAlertable({ from: null, to: 'STOPPED' }), true);
  assert.equal(isAlertable({ from: 'STALLED', to: 'OK' }), true);
  assert.equal(isAlertable({ from: 'OK', to: 'WARNING' }), true);
});

test('delivers signed events per tenant, retries 5xx with backoff, gives up after maxAttempts, logs every attempt', async () => {
  received.length = 0;
  script.set('/t1', [500, 503]);
  script.set('/t2', [500, 500, 500, 500]);
  const dir = await mkdtemp(join(tmpdir(), 'samsa-lag-webhook-'));
  try {
    const log = new FileDeliveryLog(join(dir, 'deliveries.jsonl'));
    const sleeps: number[] = [];
    const notifier = new WebhookNotifier({
      targets: staticWebhookTargets({ T1: { url: `${base}/t1`, secret: 's3cret' }, T2: { url: `${base}/t2` } }),
      destinations: LOOPBACK_ALLOWED,
      log,
      maxAttempts: 3,
      baseBackoffMs: 1000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      clock: () => Date.UTC(2026, 0, 1, 0, 0, 5),
    });
    notifier.notify([
      change('g1', 'OK', 'STALLED'),
      change('quiet', null, 'OK'),
      change('g2', 'OK', 'STOPPED', 'T2'),
      change('nobody', 'OK', 'STOPPED', 'T3'),
    ]);
    await notifier.idle();

    const t1 = received.filter((r) => r.path === '/t1');
    assert.equal(t1.length, 3, 'two failures then success');
    const event = JSON.parse(t1[2].body);
    assert.equal(event.type, 'consumer_group.status_changed');
    assert.equal(event.groupId, 'g1');
    assert.equal(event.from, 'OK');
    assert.equal(event.to, 'STALLED');
    assert.equal(event.totalLag, 42);
    assert.deepEqual(
      event.partitions.map((p: { partition: number }) => p.partition),
      [0],
      'only partitions that are not OK',
    );
    const ts = t1[2].headers['x-samsa-timestamp'] as string;
    assert.equal(t1[2].headers['x-samsa-signature'], signWebhook('s3cret', ts, t1[2].body));
    assert.equal(t1[0].headers['x-samsa-event-id'], t1[2].headers['x-samsa-event-id'], 'retries reuse the event id');

    assert.equal(received.filter((r) => r.path === '/t2').length, 3, 'bounded: three attempts then give up');
    assert.equal(received.filter((r) => r.path === '/t2')[0].headers['x-samsa-signature'], undefined);
    assert.deepEqual(sleeps.sort(), [1000, 1000, 2000, 2000]);

    const outcomes = (groupId: string) => log.list({ groupId }).map((r) => `${r.attempt}:${r.outcome}:${r.httpStatus}`);
    assert.deepEqual(outcomes('g1'), ['1:retrying:500', '2:retrying:503', '3:delivered:200']);
    assert.deepEqual(outcomes('g2'), ['1:retrying:500', '2:retrying:500', '3:failed:500']);
    assert.deepEqual(log.list({ groupId: 'nobody' }), [], 'a tenant without a webhook gets nothing');
    const lines = (await readFile(join(dir, 'deliveries.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 6);
    assert.equal(JSON.parse(lines[0]).url, `${base}/t1`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('4xx is not retried; network errors are; deliveries of one group keep their order; the queue is bounded', async () => {
  received.length = 0;
  script.set('/bad', [400]);
  const notifier = new WebhookNotifier({
    targets: (tenantId) => (tenantId === 'T1' ? { url: `${base}/bad` } : { url: 'http://127.0.0.1:1/refused' }),
    destinations: LOOPBACK_ALLOWED,
    maxAttempts: 2,
    sleep: async () => {},
  });
  notifier.notify([change('g', 'OK', 'WARNING'), change('g', 'WARNING', 'STALLED'), change('g', 'STALLED', 'OK')]);
  notifier.notify([change('x', 'OK', 'STOPPED', 'T9')]);
  await notifier.idle();
  const g = notifier.log.list({ groupId: 'g' });
  assert.deepEqual(
    g.map((r) => r.to),
    ['WARNING', 'STALLED', 'OK'],
    'in order',
  );
  assert.equal(g[0].outcome, 'failed');
  assert.equal(g[0].attempt, 1, 'HTTP 400 is final');
  const x = notifier.log.list({ groupId: 'x' });
  assert.deepEqual(
    x.map((r) => r.outcome),
    ['retrying', 'failed'],
  );
  assert.ok(x[0].error);

  const tiny = new WebhookNotifier({
    targets: () => ({ url: `${base}/ok` }),
    destinations: LOOPBACK_ALLOWED,
    maxPending: 1,
    sleep: async () => {},
  });
  tiny.notify([change('a', 'OK', 'WARNING'), change('b', 'OK', 'WARNING')]);
  await tiny.idle();
  assert.deepEqual(
    tiny.log.list().map((r) => `${r.groupId}:${r.outcome}`),
    ['b:dropped', 'a:delivered'],
  );
});
