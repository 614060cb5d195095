/**
 * Attack: a tenant admin points the alert webhook at the console's own network (loopback services, private
 * ranges, the cloud metadata address) and uses test deliveries to reach them or to scan ports. Here real
 * deliveries go through the notifier to real local HTTP servers: by default nothing reaches a non-public address
 * (in any spelling: IPv6, IPv4-mapped, decimal, a name that resolves to loopback), the refusal reads the same for
 * an open and a closed port, redirects are never followed, and only the operator's setting opens the way.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import {
  checkWebhookDestination,
  type HostResolver,
  nonPublicReason,
  parseCidrs,
  postWebhook,
  WebhookDestinationError,
  webhookDestinationPolicyFromEnv,
} from '../src/webhook-destination.ts';
import { WebhookNotifier } from '../src/webhook.ts';
import { closedLoopbackPort, listenOnLoopback } from '@samsa/test-support/loopback';

const hits: string[] = [];
let internal: Server;
let port = 0;
let closedPort = 0;

before(async () => {
  ({ server: internal, port } = await listenOnLoopback((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${port}/secret-admin` }).end();
    else res.writeHead(200).end('internal data');
  }));
  closedPort = await closedLoopbackPort();
});
after(() => new Promise<void>((r) => internal.close(() => r())));

test('every non-public address is named, in its IPv6 and IPv4-mapped forms too; public ones pass', () => {
  const refused: [string, RegExp][] = [
    ['127.0.0.1', /loopback/],
    ['127.255.0.9', /loopback/],
    ['10.0.0.1', /private network \(10/],
    ['172.16.5.4', /private network \(172/],
    ['172.31.255.255', /private network/],
    ['192.168.1.1', /private network \(192\.168/],
    ['169.254.169.254', /link-local .*metadata/],
    ['0.0.0.0', /unspecified/],
    ['100.64.0.1', /carrier-grade/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /reserved/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fe80::1', /link-local \(fe80/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['::ffff:127.0.0.1', /loopback, as an IPv6 form of 127\.0\.0\.1/],
    ['::ffff:7f00:1', /loopback, as an IPv6 form of 127\.0\.0\.1/],
    ['::ffff:169.254.169.254', /metadata/],
    ['::ffff:a00:1', /private network \(10/],
    ['64:ff9b::a9fe:a9fe', /metadata/],
    ['2002:7f00:1::1', /loopback/],
    ['::127.0.0.1', /loopback/],
  ];
  for (const [ip, reason] of refused) assert.match(nonPublicReason(ip) ?? 'public', reason, ip);
  for (const ip of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '2002:808:808::1'])
    assert.equal(nonPublicReason(ip), null, ip);
});

test('save-time check: loopback, private, metadata, [::1], localhost and odd spellings are refused', async () => {
  for (const url of [
    `http://127.0.0.1:${port}/`,
    'http://10.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:8080/',
    `http://localhost:${port}/`,
    'http://2130706433/',
    'http://0x7f.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://0.0.0.0:5432/',
    'https://[fd00::1]/',
  ]) {
    await assert.rejects(
      checkWebhookDestination(url),
      (err: unknown) =>
        err instanceof WebhookDestinationError &&
        err.reason === 'not_public' &&
        /SAMSA_WEBHOOK_ALLOW_PRIVATE/.test(err.message),
      url,
    );
  }
  await assert.rejects(checkWebhookDestination('ftp://example.com/'), /http:\/\/ or https:\/\//);
  await assert.rejects(checkWebhookDestination('http://nonexistent.invalid/'), /could not be resolved/);
  // With the operator's setting they pass: everything, or only the ranges listed.
  await checkWebhookDestination(`http://localhost:${port}/`, { allowPrivate: true, allowedCidrs: [] });
  await checkWebhookDestination('http://[::ffff:127.0.0.1]/', { allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] });
  await checkWebhookDestination('http://10.1.2.3/', { allowPrivate: false, allowedCidrs: ['10.1.0.0/16'] });
  await assert.rejects(
    checkWebhookDestination('http://169.254.169.254/', { allowPrivate: false, allowedCidrs: ['10.1.0.0/16'] }),
    /link-local/,
  );
});

test('test sends to internal services reach nothing and read the same for an open and a closed port', async () => {
  hits.length = 0;
  const notifier = new WebhookNotifier({ targets: () => null });
  const open = await notifier.sendTest('T1', { url: `http://127.0.0.1:${port}/admin` });
  const closed = await notifier.sendTest('T1', { url: `http://127.0.0.1:${closedPort}/admin` });
  const viaName = await notifier.sendTest('T1', { url: `http://localhost:${port}/admin` });
  assert.deepEqual(hits, [], 'nothing reached the internal service');
  for (const r of [open, closed, viaName]) {
    assert.equal(r?.outcome, 'failed');
    assert.equal(r?.attempt, 1);
    assert.equal(r?.httpStatus, null);
    assert.match(r?.error ?? '', /is loopback: alerts may only go to public addresses/);
  }
  assert.equal(open?.error, closed?.error, 'no open-vs-closed oracle');
  assert.equal(notifier.destinationsRefused, 3, 'counted for samsa_lag_webhook_destinations_refused_total');
  assert.doesNotMatch(open?.error ?? '', /ECONNREFUSED|timed out|refused/i);
});

test('with the operator setting a loopback receiver gets deliveries; redirects are still not followed', async () => {
  hits.length = 0;
  const notifier = new WebhookNotifier({
    targets: () => null,
    destinations: webhookDestinationPolicyFromEnv({ SAMSA_WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8, ::1' }),
  });
  const ok = await notifier.sendTest('T1', { url: `http://localhost:${port}/alerts` });
  assert.equal(ok?.outcome, 'delivered', ok?.error ?? '');
  assert.equal(ok?.httpStatus, 200);
  const redirected = await notifier.sendTest('T1', { url: `http://127.0.0.1:${port}/redirect` });
  assert.equal(redirected?.outcome, 'failed');
  assert.equal(redirected?.httpStatus, 302);
  assert.match(redirected?.error ?? '', /redirects are not followed/);
  assert.deepEqual(hits, ['/alerts', '/redirect'], 'the redirect target was never requested');
  // A closed port on an allowed destination: one message, whatever the failure was.
  const closed = await notifier.sendTest('T1', { url: `http://127.0.0.1:${closedPort}/` });
  assert.match(closed?.error ?? '', /^No HTTP response from the webhook within \d+ ms/);
});

test('the operator settings are validated at startup', () => {
  assert.deepEqual(webhookDestinationPolicyFromEnv({}), { allowPrivate: false, allowedCidrs: [] });
  assert.equal(webhookDestinationPolicyFromEnv({ SAMSA_WEBHOOK_ALLOW_PRIVATE: 'true' }).allowPrivate, true);
  assert.throws(
    () => webhookDestinationPolicyFromEnv({ SAMSA_WEBHOOK_ALLOWED_CIDRS: '10.0.0.0/33' }),
    /10\.0\.0\.0\/33/,
  );
  assert.throws(() => webhookDestinationPolicyFromEnv({ SAMSA_WEBHOOK_ALLOW_PRIVATE: 'yes' }), /ALLOW_PRIVATE/);
  assert.throws(() => parseCidrs(['example.com/8']), /not a CIDR/);
});

test('every address a name resolves to is checked, and the connection goes only to the checked ones', async () => {
  // A name with one public and one internal answer is refused as a whole.
  const mixed: HostResolver = async () => [
    { address: '93.184.216.34', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ];
  await assert.rejects(
    checkWebhookDestination('http://hooks.attacker.example/', undefined, { resolve: mixed }),
    /hooks\.attacker\.example resolves to 127\.0\.0\.1\) is loopback/,
  );
  // DNS rebinding: the first answer passes the check, later answers point elsewhere. The name is resolved once,
  // and the request goes to the address that was checked.
  hits.length = 0;
  let lookups = 0;
  const rebinding: HostResolver = async () =>
    lookups++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '169.254.169.254', family: 4 }];
  const res = await postWebhook(
    `http://rebind.attacker.example:${port}/pinned`,
    { headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 2_000 },
    { allowPrivate: false, allowedCidrs: ['127.0.0.1/32'] },
    { resolve: rebinding },
  );
  assert.equal(res.status, 200);
  assert.equal(lookups, 1, 'resolved once');
  assert.deepEqual(hits, ['/pinned'], 'connected to the checked address');
});
