/** The host's pure parts: commit metadata of the exactly-once fence, source headers, settings from the environment, the send coalescer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '@samsa/test-support/eventually';
import {
  decodeFenceMetadata,
  encodeFenceMetadata,
  fenceStartOf,
  OutputFence,
  parseSourceHeader,
  sourceHeader,
} from '../src/host/output-fence.ts';
import { SendCoalescer } from '../src/host/send-coalescer.ts';
import { hostSettingsFromEnv } from '../src/host/settings.ts';

test('fence metadata round-trips, and collapses to one lower bound per topic past its size', () => {
  const starts = new Map([
    ['out:0', 12n],
    ['out:1', 7n],
    ['my-dlq:0', 0n],
  ]);
  const decoded = decodeFenceMetadata(encodeFenceMetadata(starts))!;
  assert.equal(fenceStartOf(decoded, 'out', 1), 7n);
  assert.equal(fenceStartOf(decoded, 'my-dlq', 0), 0n);
  assert.equal(fenceStartOf(decoded, 'other', 0), undefined);

  const many = new Map(Array.from({ length: 500 }, (_, p) => [`out:${p}`, BigInt(1_000_000 + p)] as [string, bigint]));
  const small = encodeFenceMetadata(many);
  assert.ok(small.length < 100, small);
  assert.equal(fenceStartOf(decodeFenceMetadata(small)!, 'out', 499), 1_000_000n, 'the smallest offset bounds all');

  assert.equal(decodeFenceMetadata(null), null);
  assert.equal(decodeFenceMetadata(''), null);
  assert.equal(decodeFenceMetadata('eos1 out:0=x'), null);
});

test('the fence keeps only this processor and input partition, at or above the committed offset', () => {
  const fence = new OutputFence();
  const h = (v: string): Array<[string, Buffer]> => [['samsa-source', Buffer.from(v)]];
  fence.observe('p1', 0, 10n, h(sourceHeader('p1', 1, 0, 10n, 0)));
  fence.observe('p1', 0, 10n, h(sourceHeader('p1', 2, 0, 11n, 'dlq')));
  fence.observe('p1', 0, 10n, h(sourceHeader('p1', 1, 0, 9n, 0)));
  fence.observe('p1', 0, 10n, h(sourceHeader('p1', 1, 1, 12n, 0)));
  fence.observe('p1', 0, 10n, h(sourceHeader('p2', 1, 0, 13n, 0)));
  fence.observe('p1', 0, 10n, h('not/a/header'));
  assert.equal(fence.size, 2);
  assert.ok(fence.has(10n, 0));
  assert.ok(fence.has(11n, 'dlq'));
  assert.ok(!fence.has(9n, 0));
  assert.ok(fence.holdsFrom(11n));
  assert.ok(!fence.holdsFrom(12n));
  assert.deepEqual(parseSourceHeader('a/3/1/42/0'), {
    processorId: 'a',
    version: 3,
    partition: 1,
    offset: 42n,
    index: '0',
  });
  assert.equal(parseSourceHeader('a/x/1/42/0'), null);
});

test('settings come from the environment; a bad one is named', () => {
  assert.equal(hostSettingsFromEnv({}).pollMs, 1_000);
  assert.equal(hostSettingsFromEnv({}).logLines, 1_000);
  assert.equal(hostSettingsFromEnv({ SAMSA_PROCESSORS_POLL_MS: '250', SAMSA_PROCESSOR_LOG_LINES: '' }).pollMs, 250);
  assert.throws(() => hostSettingsFromEnv({ SAMSA_PROCESSORS_MAX_TASKS: '0' }), /SAMSA_PROCESSORS_MAX_TASKS/);
  assert.throws(() => hostSettingsFromEnv({ SAMSA_PROCESSOR_MEMORY_MB: 'lots' }), /SAMSA_PROCESSOR_MEMORY_MB/);
});

test('sends handed over while a request is in flight go together in the next one, in order, within the bound', async () => {
  const requests: string[][] = [];
  const releases: Array<() => void> = [];
  const coalescer = new SendCoalescer(async (messages) => {
    requests.push(messages.map((m) => String(m.value)));
    await new Promise<void>((r) => releases.push(r));
    if (messages.some((m) => String(m.value) === 'poison')) throw new Error('produce failed');
    return [{ topic: 'out', partition: 0, offset: BigInt(requests.length * 100) }];
  }, 10);
  const msg = (value: string) => ({ topic: 'out', value: Buffer.from(value) });
  const first = coalescer.send([msg('a1')]);
  const second = coalescer.send([msg('b1'), msg('b2')]);
  const third = coalescer.send([msg('c1')]);
  const tooBig = coalescer.send([msg('d-twelve-bytes')]);
  assert.deepEqual(requests, [['a1']], 'one request in flight');
  releases.shift()!();
  assert.deepEqual(await first, [{ topic: 'out', partition: 0, offset: 100n }]);
  await eventually(() => requests.length === 2, 'the gathered request');
  assert.deepEqual(requests[1], ['b1', 'b2', 'c1'], 'the sends that waited, together and in order');
  releases.shift()!();
  assert.deepEqual(await second, await third);
  await eventually(() => requests.length === 3, 'the send past the bound, alone');
  assert.deepEqual(requests[2], ['d-twelve-bytes']);
  releases.shift()!();
  await tooBig;
  const failing = coalescer.send([msg('poison')]);
  await eventually(() => releases.length === 1, 'the failing request');
  releases.shift()!();
  await assert.rejects(failing, /produce failed/);
});
