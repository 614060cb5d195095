/**
 * The Python client families against a real broker, run with the system /usr/bin/python3 (Debian's python3-kafka
 * and python3-confluent-kafka): produce, group-consume, commit, and resume from committed offsets after a restart.
 * Also the compression matrix: snappy, lz4 and zstd batches from librdkafka pass through untouched and are read
 * back by every client that decodes them.
 */
import { rm } from 'node:fs/promises';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { kcat } from '@samsa/test-support/kcat';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';

function py(script: string, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [join(here, 'support/python', script), ...args], { timeout: 90_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${script} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
    });
  });
}

let broker: BrokerProcess;
before(async () => {
  broker = await startBroker({ args: ['--group-initial-rebalance-delay-ms', '0'] });
});
after(async () => {
  await broker.cleanup();
  // A restarted broker reuses the first one's data directory, which it does not own: remove it here.
  await rm(broker.dataDir, { recursive: true, force: true });
});

test('confluent-kafka: idempotent lz4 producer, group consumer, resume after kill -9 of the broker', async () => {
  const produced = await py('confluent_client.py', ['produce', broker.bootstrap, 'ck', '50', 'ck', 'lz4']);
  assert.equal(produced.delivered, 50);
  const first = await py('confluent_client.py', ['consume', broker.bootstrap, 'ck', 'ck-group', '30', '30']);
  assert.ok((first.values as string[]).length >= 30);

  // Kill the broker (no clean shutdown) and restart it on the same data: the committed offsets are still there.
  const dataDir = broker.dataDir;
  await broker.kill9();
  broker = await startBroker({ dataDir, args: ['--group-initial-rebalance-delay-ms', '0'] });
  const firstCount = (first.values as string[]).length;
  const rest = await py('confluent_client.py', [
    'consume',
    broker.bootstrap,
    'ck',
    'ck-group',
    String(50 - firstCount),
    '30',
  ]);
  const all = [...(first.values as string[]), ...(rest.values as string[])];
  assert.equal(new Set(all).size, 50, 'every message exactly once across the restart');
});

test('kafka-python: produce, group-consume, commit and resume', async () => {
  assert.equal((await py('kafka_python_client.py', ['produce', broker.bootstrap, 'kp', '40', 'kp'])).delivered, 40);
  const first = await py('kafka_python_client.py', ['consume', broker.bootstrap, 'kp', 'kp-group', '40', '30']);
  assert.equal((first.values as string[]).length, 40);
  assert.equal((await py('kafka_python_client.py', ['produce', broker.bootstrap, 'kp', '5', 'more'])).delivered, 5);
  const resumed = await py('kafka_python_client.py', ['consume', broker.bootstrap, 'kp', 'kp-group', '5', '30']);
  assert.deepEqual(resumed.values, ['more-0', 'more-1', 'more-2', 'more-3', 'more-4']);
});

test('compression: snappy, lz4, zstd and gzip batches pass through and every client reads them', async () => {
  for (const codec of ['snappy', 'lz4', 'zstd']) {
    const topic = `codec-${codec}`;
    assert.equal(
      (await py('confluent_client.py', ['produce', broker.bootstrap, topic, '10', codec, codec])).delivered,
      10,
    );
    const viaKcat = await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%s\n']);
    assert.deepEqual(
      viaKcat.stdout.trim().split('\n').sort(),
      Array.from({ length: 10 }, (_, i) => `${codec}-${i}`).sort(),
    );
  }
  const kafka = new Kafka({ clientId: 'codec', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: 'codec-gzip',
    compression: CompressionTypes.GZIP,
    messages: Array.from({ length: 10 }, (_, i) => ({ value: `gzip-${i}` })),
  });
  await producer.disconnect();
  const viaPython = await py('confluent_client.py', [
    'consume',
    broker.bootstrap,
    'codec-gzip',
    'codec-readers',
    '10',
    '30',
  ]);
  assert.deepEqual((viaPython.values as string[]).sort(), Array.from({ length: 10 }, (_, i) => `gzip-${i}`).sort());
});
