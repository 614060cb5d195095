/** The host's pure parts: commit metadata of the exactly-once fence, source headers, settings from the environment. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeFenceMetadata,
  encodeFenceMetadata,
  fenceStartOf,
  OutputFence,
  parseSourceHeader,
  sourceHeader,
} from '../src/host/output-fence.ts';
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
