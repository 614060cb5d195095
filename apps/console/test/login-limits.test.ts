/**
 * Sign-in limits under attack: a forged X-Forwarded-For does not buy fresh attempts, flooding the failure table does
 * not reset an account's backoff, a stranger cannot lock an account for good, and an unknown email costs the same
 * bcrypt work as a wrong password.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { type Harness, seedUser, startHarness } from './helpers.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
  await seedUser('victim@example.com');
});
after(() => h.close());
beforeEach(async () => {
  const { resetLoginLimits } = await import('../src/server/auth.ts');
  delete process.env.SAMSA_TRUSTED_PROXIES;
  delete process.env.SAMSA_LOGIN_TABLE_MAX_KEYS;
  resetLoginLimits();
});

/** A sign-in as the console's HTTP server hands it to the route: the TCP peer stamped by the server hook. */
async function login(email: string, password: string, peer: string, headers: Record<string, string> = {}) {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const res = await apiRoutes['/auth/login']!.POST!.handler(
    new Request('http://console.test/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-samsa-peer-address': peer, ...headers },
      body: JSON.stringify({ email, password }),
    }),
    { params: Promise.resolve({}) },
  );
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

test('a client cannot escape the per-address limit by sending its own X-Forwarded-For', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 22; i++) {
    // a different account each time (so only the address limit can stop it) and a fresh forged address each time
    const r = await login(`guess${i}@example.com`, 'x', '198.51.100.7', { 'x-forwarded-for': `10.9.${i}.1` });
    statuses.push(r.status);
  }
  assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401));
  assert.equal(statuses[21], 429, `the 22nd attempt from one address is refused: ${statuses.join(',')}`);
});

test('behind a trusted proxy the right-most untrusted X-Forwarded-For address is the client', async () => {
  process.env.SAMSA_TRUSTED_PROXIES = '10.0.0.0/8';
  const statuses: number[] = [];
  for (let i = 0; i < 22; i++) {
    // the client prepends junk; the proxy (10.0.0.2) appends the real client 203.0.113.50
    const r = await login(`p${i}@example.com`, 'x', '10.0.0.2', { 'x-forwarded-for': `1.2.3.${i}, 203.0.113.50` });
    statuses.push(r.status);
  }
  assert.equal(statuses[21], 429, statuses.join(','));
  const other = await login('someone@example.com', 'x', '10.0.0.2', { 'x-forwarded-for': '203.0.113.51' });
  assert.equal(other.status, 401, 'another client behind the same proxy is not limited');
});

test('flooding the failure table with other addresses and emails does not reset an account that is backing off', async () => {
  process.env.SAMSA_LOGIN_TABLE_MAX_KEYS = '40';
  for (let i = 0; i < 6; i++) await login('victim@example.com', 'wrong', `203.0.113.${i + 1}`);
  const limited = await login('victim@example.com', 'password123', '203.0.113.99');
  assert.equal(limited.status, 429, 'six failures: the account waits, whatever the address');
  // flood: 60 made-up accounts from 60 addresses, more than the table holds
  for (let i = 0; i < 60; i++) await login(`flood${i}@example.com`, 'x', `192.0.2.${i + 1}`);
  // the 1 s wait has passed during the flood; the failure count has not been forgotten: one more failure (the 7th)
  // makes the account wait again, where a reset table would count it as the first of five free ones
  assert.equal((await login('victim@example.com', 'wrong', '203.0.113.97')).status, 401);
  const still = await login('victim@example.com', 'password123', '203.0.113.98');
  assert.equal(still.status, 429, 'the flood evicted the one-failure entries, not the account that is backing off');
  assert.equal(still.retryAfter, '2', 'the 7th failure doubled the wait');
});

test('the account backoff ends: a stranger slows an account down but cannot lock it out', async () => {
  for (let i = 0; i < 6; i++) await login('victim@example.com', 'wrong', `203.0.113.${i + 1}`);
  const refused = await login('victim@example.com', 'password123', '203.0.113.7');
  assert.equal(refused.status, 429);
  assert.match(refused.body.error.message, /Try again in 1 second/);
  assert.equal(refused.retryAfter, '1');
  // attempts while it waits are refused without being counted, so they do not lengthen the wait
  for (let i = 0; i < 5; i++) assert.equal((await login('victim@example.com', 'wrong', '203.0.113.8')).status, 429);
  await new Promise((r) => setTimeout(r, 1100));
  const ok = await login('victim@example.com', 'password123', '203.0.113.9');
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test('an unknown email takes as long as a wrong password (bcrypt against a dummy hash)', async () => {
  const time = async (email: string, peer: string) => {
    const t0 = performance.now();
    const r = await login(email, 'wrong-password', peer);
    assert.equal(r.status, 401);
    assert.equal(r.body.error.message, 'Wrong email or password');
    return performance.now() - t0;
  };
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 5; i++) {
    known.push(await time('victim@example.com', `198.18.0.${i + 1}`));
    unknown.push(await time(`nobody${i}@example.com`, `198.18.1.${i + 1}`));
  }
  const ratio = median(unknown) / median(known);
  assert.ok(ratio > 0.6, `unknown ${median(unknown).toFixed(1)} ms vs known ${median(known).toFixed(1)} ms`);
});

test('the failure table keeps the entries that are backing off when 10,000 one-shot keys flood it', async () => {
  const { LoginBackoff } = await import('../src/server/login-limiter.ts');
  const b = new LoginBackoff({
    freeFailures: 5,
    baseDelayMs: 1000,
    maxDelayMs: 60_000,
    windowMs: 3_600_000,
    maxKeys: 10_000,
  });
  for (let i = 0; i < 8; i++) b.recordFailure('victim', 1000 + i);
  for (let i = 0; i < 20_000; i++) b.recordFailure(`flood-${i}`, 2000 + i);
  assert.ok(b.size <= 10_000);
  assert.equal(b.recordFailure('victim', 22_100).failures, 9, 'the backing-off entry survived the flood');
});
