/**
 * Corruption on disk with a real broker process and a real consumer: a flipped byte inside a closed segment and a
 * damaged offset index. `samsa log verify` names the file, byte and offset of each and exits 1; the broker serves
 * everything before the corrupt batch, never the batch itself (CORRUPT_MESSAGE), everything after it through the
 * damaged index, and reports it on /healthz and /metrics.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { batchBaseOffset, batchSizeAt } from '@samsa/protocol';
import { makeDataDir, startBroker } from '@samsa/test-support/broker-process';
import { runSamsa } from '@samsa/test-support/samsa-cli';
import { Kafka, logLevel } from 'kafkajs';
import { fetchErrorCode, readPartition } from './support/read-back.ts';

const MESSAGES = 120;
const messageValue = (i: number) => `m${i}-`.padEnd(200, String(i % 10));

test('a flipped byte in a closed segment and a damaged index: verify names them, consumers never get corrupt records', {
  timeout: 120_000,
}, async () => {
  const dataDir = await makeDataDir();
  const args = ['--topic-min-segment-bytes', '1024', '--group-initial-rebalance-delay-ms', '0'];
  let broker = await startBroker({ dataDir, args });
  try {
    const kafka = new Kafka({ clientId: 'bits', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'bits', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '8192' }] }],
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < MESSAGES; i++) {
      await producer.send({ topic: 'bits', acks: -1, messages: [{ value: messageValue(i) }] });
    }
    await producer.disconnect();
    assert.equal(await broker.stop(), 0);

    const clean = await runSamsa(['log', 'verify', '--data-dir', dataDir]);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /: no problems\n$/);

    const dir = join(dataDir, 'topics', 'bits', '0');
    const segments = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
    assert.ok(segments.length >= 4, `several segments (${segments.length})`);
    // The fourth batch of the second segment gets one bit flipped inside its records.
    const victimPath = join(dir, segments[1]!);
    const bytes = await readFile(victimPath);
    let position = 0;
    for (let n = 0; n < 3; n++) position += batchSizeAt(bytes, position);
    const corruptOffset = batchBaseOffset(bytes, position);
    bytes[position + 100] ^= 0x01;
    await writeFile(victimPath, bytes);
    // The third segment's first index entry now points a few bytes into its batch.
    const indexPath = join(dir, segments[2]!.replace(/\.log$/, '.index'));
    const index = await readFile(indexPath);
    assert.ok(index.length >= 8, 'the third segment has an index entry');
    index.writeInt32BE(index.readInt32BE(4) + 5, 4);
    await writeFile(indexPath, index);

    const verify = await runSamsa(['log', 'verify', '--data-dir', dataDir]);
    assert.equal(verify.code, 1, verify.stdout + verify.stderr);
    const lines = verify.stdout.trim().split('\n');
    assert.equal(lines[0], `${victimPath}:${position} offset ${corruptOffset}: batch CRC mismatch`);
    assert.match(lines[1]!, new RegExp(`^${indexPath}:0 offset \\d+: index entry .* names no batch`));
    assert.match(
      lines[2]!,
      /^checked 1 partitions, \d+ segments, \d+ batches, \d+ index entries, \d+ bytes: 2 problems$/,
    );

    // This time with a scrub every 200 ms: it finds the corrupt batch before any consumer asks for it.
    broker = await startBroker({ dataDir, args: [...args, '--log-scrub-interval-ms', '200'] });
    const healthz = async () =>
      ((await (await fetch(`http://127.0.0.1:${broker.httpPort}/healthz`)).json()) as { reasons: string[] }).reasons;
    const scrubDeadline = Date.now() + 20_000;
    while (!(await healthz()).includes('log_corrupt') && Date.now() < scrubDeadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(
      broker.logs.some((l) => l.includes('CORRUPT BATCH') && l.includes(victimPath)),
      'found by the scrub',
    );
    // A consumer group from the beginning gets every record before the corrupt batch, intact, and nothing of it.
    const consumerKafka = new Kafka({ clientId: 'bits', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = consumerKafka.consumer({ groupId: 'readers', retry: { retries: 1 } });
    const received: { offset: bigint; value: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'bits', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push({ offset: BigInt(message.offset), value: message.value!.toString() });
      },
    });
    const deadline = Date.now() + 30_000;
    while (received.length < Number(corruptOffset) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1_000));
    await consumer.disconnect();
    assert.deepEqual(
      received.map((r) => r.offset),
      Array.from({ length: Number(corruptOffset) }, (_, i) => BigInt(i)),
      'every offset before the corrupt batch, once, and nothing from it on',
    );
    for (const r of received) assert.equal(r.value, messageValue(Number(r.offset)));

    assert.equal(
      await fetchErrorCode(broker.port, 'bits', 0, corruptOffset),
      2,
      'CORRUPT_MESSAGE for the corrupt batch',
    );
    // What follows the corrupt batch is intact and served, through the damaged index too.
    const after = await readPartition(broker.port, 'bits', 0, corruptOffset + 1n);
    assert.equal(after.length, MESSAGES - Number(corruptOffset) - 1);
    for (const r of after) assert.equal(r.value, messageValue(Number(r.offset)));

    assert.deepEqual(await healthz(), ['log_corrupt']);
    const metrics = await (await fetch(`http://127.0.0.1:${broker.httpPort}/metrics`)).text();
    assert.match(metrics, /^samsa_log_corrupt_batches_total 1$/m, 'the scrub and the reads found one batch');
    // Found at open (the entry is the segment's last) or by a lookup: either way rebuilt from the log, and said so.
    assert.ok(broker.logs.some((l) => /indexes .*rebuilt/.test(l) && l.includes(segments[2]!)));
  } finally {
    await broker.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
});
