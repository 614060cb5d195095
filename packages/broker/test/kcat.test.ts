/** kcat (librdkafka) against a real broker process: metadata, keyed produce, consume from start/offset/timestamp. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { kcat } from '@samsa/test-support/kcat';

let broker: BrokerProcess;
before(async () => {
  broker = await startBroker({ args: ['--default-partitions', '3'] });
});
after(async () => {
  await broker.cleanup();
});

test('kcat -L lists the broker and auto-created topics', async () => {
  await kcat(['-b', broker.bootstrap, '-P', '-t', 'kcat-meta', '-p', '0'], 'hello\n');
  const { stdout } = await kcat(['-b', broker.bootstrap, '-L', '-J']);
  const meta = JSON.parse(stdout);
  assert.equal(meta.brokers.length, 1);
  assert.equal(meta.brokers[0].name, `127.0.0.1:${broker.port}`);
  assert.equal(meta.brokers[0].id, 0);
  const topic = meta.topics.find((t: { topic: string }) => t.topic === 'kcat-meta');
  assert.ok(topic, 'auto-created topic is listed');
  assert.equal(topic.partitions.length, 3);
  assert.equal(topic.partitions[0].leader, 0);
});

test('kcat produces keyed messages and consumes them from the beginning, an offset and a timestamp', async () => {
  const lines = Array.from({ length: 20 }, (_, i) => `key-${i}:value-${i}`).join('\n');
  await kcat(['-b', broker.bootstrap, '-P', '-t', 'kcat-keyed', '-p', '1', '-K', ':'], `${lines}\n`);

  const all = await kcat([
    '-b',
    broker.bootstrap,
    '-C',
    '-t',
    'kcat-keyed',
    '-p',
    '1',
    '-o',
    'beginning',
    '-e',
    '-f',
    '%k=%s@%o\n',
  ]);
  const got = all.stdout.trim().split('\n');
  assert.equal(got.length, 20);
  assert.equal(got[0], 'key-0=value-0@0');
  assert.equal(got[19], 'key-19=value-19@19');

  const fromOffset = await kcat([
    '-b',
    broker.bootstrap,
    '-C',
    '-t',
    'kcat-keyed',
    '-p',
    '1',
    '-o',
    '15',
    '-e',
    '-f',
    '%o\n',
  ]);
  assert.deepEqual(fromOffset.stdout.trim().split('\n'), ['15', '16', '17', '18', '19']);

  // Messages produced later get later timestamps; consuming from that timestamp returns only them.
  await new Promise((r) => setTimeout(r, 20));
  const boundaryMs = Date.now();
  await new Promise((r) => setTimeout(r, 20));
  await kcat(['-b', broker.bootstrap, '-P', '-t', 'kcat-keyed', '-p', '1', '-K', ':'], 'late-a:A\nlate-b:B\n');
  const byTime = await kcat([
    '-b',
    broker.bootstrap,
    '-C',
    '-t',
    'kcat-keyed',
    '-p',
    '1',
    '-o',
    `s@${boundaryMs}`,
    '-e',
    '-f',
    '%k@%o\n',
  ]);
  assert.deepEqual(byTime.stdout.trim().split('\n'), ['late-a@20', 'late-b@21']);
});

test('kcat -G: a balanced group of two splits the partitions, commits, and resumes after restart', async () => {
  const topic = 'kcat-group';
  await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0'], 'warm\n');
  for (let p = 0; p < 3; p++) {
    const lines = Array.from({ length: 10 }, (_, i) => `p${p}-m${i}`).join('\n');
    await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', String(p)], `${lines}\n`);
  }
  const member = () =>
    kcat(
      // No -o: in -G mode it would override the committed offsets; earliest applies only where none exist.
      ['-b', broker.bootstrap, '-G', 'kcat-readers', '-X', 'auto.offset.reset=earliest', '-e', '-f', '%p:%s\n', topic],
      undefined,
      60_000,
    );
  const [a, b] = await Promise.all([member(), member()]);
  const seen = [...a.stdout.trim().split('\n'), ...b.stdout.trim().split('\n')].filter((l) => l !== '');
  const values = new Set(seen.map((l) => l.slice(l.indexOf(':') + 1)));
  assert.equal(values.size, 31, 'the two members together read every message');

  // Resume: a third run of the group sees only what was produced after the commits.
  await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '1'], 'after-commit\n');
  const again = await member();
  assert.deepEqual(
    again.stdout
      .trim()
      .split('\n')
      .map((l) => l.slice(l.indexOf(':') + 1)),
    ['after-commit'],
  );
});
