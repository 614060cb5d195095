/**
 * Disk faults with a real broker process and a real client (kafkajs, acks=all): a failed fsync (an LD_PRELOAD shim
 * compiled here) takes one partition offline and loses nothing acknowledged; a small tmpfs fills up, the free-space
 * floor refuses produce with a retriable KAFKA_STORAGE_ERROR while reads and group commits go on, and writes resume
 * by themselves when space returns; write ENOSPC likewise. After each run a checker restarts the broker and proves
 * that every acknowledged record is there and nothing is there that was not sent, and `verifyLogDir` finds the
 * directory clean.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { OffsetCommit } from '@samsa/protocol';
import { makeDataDir, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { verifyLogDir } from '../src/log/verify-log-dir.ts';
import { buildFaultShim, kafkaErrorType, mountSmallDisk } from './support/disk-faults.ts';
import { fetchErrorCode, readPartition } from './support/read-back.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Writers still running, stopped by the tests' finally blocks whatever happened. */
const running = new Set<Writer>();

/** After a failure: the broker is gone, so a send may never settle; give up on it after a while. */
async function stopAll(): Promise<void> {
  await Promise.race([Promise.all([...running].map((w) => w.stop())), sleep(5_000)]);
  running.clear();
}

/** One acks=all writer on one partition: what it sent, what was acknowledged, and the errors it got. */
class Writer {
  readonly sent: string[] = [];
  readonly acked: string[] = [];
  readonly errors: string[] = [];
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(producer: Producer, topic: string, partition: number, valueBytes: number) {
    running.add(this);
    this.done = (async () => {
      for (let i = 0; !this.stopped; i++) {
        const value = `${topic}-${partition}-${i}`.padEnd(valueBytes, '.');
        this.sent.push(value);
        try {
          await producer.send({ topic, acks: -1, messages: [{ value, partition }] });
          this.acked.push(value);
        } catch (err) {
          this.errors.push(kafkaErrorType(err));
          await sleep(5);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    running.delete(this);
  }
}

/** After a restart: every acknowledged value is stored, every stored value was sent, offsets have no holes. */
async function checkPartition(port: number, topic: string, partition: number, writer: Writer): Promise<number> {
  const records = await readPartition(port, topic, partition);
  assert.deepEqual(
    records.map((r) => r.offset),
    records.map((_, i) => BigInt(i)),
    `${topic}-${partition}: offsets without holes`,
  );
  const stored = new Set(records.map((r) => r.value));
  const sent = new Set(writer.sent);
  const lost = writer.acked.filter((v) => !stored.has(v));
  assert.deepEqual(lost, [], `${topic}-${partition}: ${lost.length} of ${writer.acked.length} acknowledged lost`);
  const phantoms = records.filter((r) => !sent.has(r.value!));
  assert.deepEqual(phantoms, [], `${topic}-${partition}: stored records that were never sent`);
  return records.length;
}

/** A stand-alone OffsetCommit (no members) of one partition; its error code. */
async function commitOffset(port: number, groupId: string, topic: string, partition: number, offset: bigint) {
  const client = await RawClient.connect(port);
  try {
    const res = (await client.request(OffsetCommit, 8, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: topic,
          partitions: [
            { partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    })) as unknown as { topics: { partitions: { errorCode: number }[] }[] };
    return res.topics[0]!.partitions[0]!.errorCode;
  } finally {
    client.close();
  }
}

const NOT_COORDINATOR = 16;

interface Health {
  status: string;
  reasons: string[];
  storage: { freeBytes: number; minFreeBytes: number; writable: boolean; offlineLogs: number; corruptBatches: number };
}

async function healthReport(httpPort: number): Promise<Health> {
  return (await fetch(`http://127.0.0.1:${httpPort}/healthz`)).json() as Promise<Health>;
}

/** /healthz's status and reasons. */
async function health(httpPort: number): Promise<{ status: string; reasons: string[] }> {
  const { status, reasons } = await healthReport(httpPort);
  return { status, reasons };
}

async function metric(httpPort: number, line: string): Promise<string | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  return text.split('\n').find((l) => l.startsWith(line));
}

/** Producers see every error (no retries); the checker's clients retry as usual. */
function client(bootstrap: string, retries = 0): Kafka {
  return new Kafka({ clientId: 'disk-faults', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries } });
}

test('a failed fsync takes its partition offline (KAFKA_STORAGE_ERROR, never retried as success); the rest goes on; a restart loses nothing acknowledged', {
  timeout: 120_000,
}, async (t) => {
  const shim = await buildFaultShim();
  if ('missing' in shim) return t.skip(shim.missing);
  const dataDir = await makeDataDir();
  let broker = await startBroker({ dataDir, env: shim.env });
  try {
    const kafka = client(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'eio', numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    const failing = new Writer(producer, 'eio', 0, 100);
    const healthy = new Writer(producer, 'eio', 1, 100);
    await until(
      'acknowledged writes on both partitions',
      () => failing.acked.length >= 50 && healthy.acked.length >= 50,
    );
    assert.equal(await commitOffset(broker.port, 'g', 'eio', 1, 7n), 0);

    // One fsync of partition 0 fails, as on Linux: the next one would report success for pages that were dropped.
    await shim.set(['fsync EIO /topics/eio/0/ 1']);
    await until('the failed fsync', () => failing.errors.length > 0);
    const ackedBefore = failing.acked.length;
    const healthyBefore = healthy.acked.length;
    await until('more refused writes and more acknowledged writes elsewhere', () => {
      return failing.errors.length >= 20 && healthy.acked.length >= healthyBefore + 50;
    });
    assert.equal(failing.acked.length, ackedBefore, 'nothing acknowledged on the offline partition after the failure');
    assert.deepEqual(new Set(failing.errors), new Set(['KAFKA_STORAGE_ERROR']));
    assert.equal(
      await fetchErrorCode(broker.port, 'eio', 0),
      56,
      'reads of the offline partition: KAFKA_STORAGE_ERROR',
    );
    assert.equal(await fetchErrorCode(broker.port, 'eio', 1), 0);
    assert.deepEqual(await health(broker.httpPort), { status: 'degraded', reasons: ['storage_offline'] });
    assert.equal((await healthReport(broker.httpPort)).storage.offlineLogs, 1);
    assert.equal(await metric(broker.httpPort, 'samsa_storage_offline_logs'), 'samsa_storage_offline_logs 1');
    assert.equal(
      await metric(broker.httpPort, 'samsa_storage_errors_total{fault="fsync"}'),
      'samsa_storage_errors_total{fault="fsync"} 1',
    );
    assert.ok(broker.logs.some((l) => l.includes('STORAGE ERROR') && l.includes('/topics/eio/0')));

    // The group log: a failed fsync answers the commit with NOT_COORDINATOR and takes groups.log offline.
    await shim.set(['fsync EIO /groups/groups.log 1']);
    assert.equal(await commitOffset(broker.port, 'g', 'eio', 1, 9n), NOT_COORDINATOR);
    await shim.set([]);
    assert.equal(
      await commitOffset(broker.port, 'g', 'eio', 1, 9n),
      NOT_COORDINATOR,
      'still offline: the fsync is not retried as if the data were safe',
    );

    await failing.stop();
    await healthy.stop();
    await producer.disconnect();
    await admin.disconnect();
    assert.equal(await broker.stop(), 0, 'a broker with an offline partition still shuts down cleanly');

    broker = await startBroker({ dataDir });
    const stored = await checkPartition(broker.port, 'eio', 0, failing);
    assert.ok(stored >= ackedBefore, `${stored} records kept on the failed partition, ${ackedBefore} acknowledged`);
    const storedHealthy = await checkPartition(broker.port, 'eio', 1, healthy);
    t.diagnostic(
      `offline partition: acked ${failing.acked.length}, stored ${stored}, refused ${failing.errors.length}; ` +
        `other partition: acked ${healthy.acked.length}, stored ${storedHealthy}`,
    );
    assert.deepEqual((await verifyLogDir(dataDir)).problems, []);
    const after = client(broker.bootstrap, 5);
    const admin2 = after.admin();
    await admin2.connect();
    const [offsets] = await admin2.fetchOffsets({ groupId: 'g', topics: ['eio'] });
    assert.equal(offsets!.partitions.find((p) => p.partition === 1)!.offset, '7', 'the acknowledged commit is kept');
    await admin2.disconnect();
    assert.equal(await commitOffset(broker.port, 'g', 'eio', 1, 9n), 0, 'groups.log takes commits again');
    const producer2 = after.producer();
    await producer2.connect();
    const [meta] = await producer2.send({ topic: 'eio', acks: -1, messages: [{ value: 'back', partition: 0 }] });
    assert.equal(meta!.baseOffset, String(stored), 'the partition takes writes again after the restart');
    await producer2.disconnect();
  } finally {
    await broker.cleanup();
    await stopAll();
    await rm(dataDir, { recursive: true, force: true });
    await shim.cleanup();
  }
});

test('a filling disk: the free-space floor and ENOSPC refuse produce (retriable), reads and group commits go on, writes resume by themselves', {
  timeout: 120_000,
}, async (t) => {
  const shim = await buildFaultShim();
  if ('missing' in shim) return t.skip(shim.missing);
  const disk = await mountSmallDisk(32 * 1024 * 1024);
  if ('missing' in disk) {
    await shim.cleanup();
    return t.skip(disk.missing);
  }
  const dataDir = join(disk.dir, 'data');
  const filler = join(disk.dir, 'filler');
  const minFreeBytes = 6 * 1024 * 1024;
  const args = ['--log-dir-min-free-bytes', String(minFreeBytes), '--log-dir-check-interval-ms', '100'];
  let broker = await startBroker({ dataDir, env: shim.env, args });
  try {
    const kafka = client(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'fill', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    const writer = new Writer(producer, 'fill', 0, 8 * 1024);
    await until('acknowledged writes', () => writer.acked.length >= 20);

    // The disk fills: something else takes 20 of its 32 MiB, the stream takes the rest down to the floor.
    await writeFile(filler, Buffer.alloc(20 * 1024 * 1024));
    await until('the floor to refuse writes', () => writer.errors.includes('KAFKA_STORAGE_ERROR'));
    const ackedAtFloor = writer.acked.length;
    assert.deepEqual(await health(broker.httpPort), { status: 'degraded', reasons: ['log_dir_full'] });
    const full = (await healthReport(broker.httpPort)).storage;
    assert.equal(full.writable, false);
    assert.ok(full.freeBytes < full.minFreeBytes, JSON.stringify(full));
    assert.equal(await metric(broker.httpPort, 'samsa_log_dir_writable'), 'samsa_log_dir_writable 0');
    // Below the floor, reads and group commits still work.
    const readable = await readPartition(broker.port, 'fill', 0);
    assert.ok(readable.length >= ackedAtFloor, 'everything acknowledged is readable while the disk is full');
    assert.equal(await commitOffset(broker.port, 'g', 'fill', 0, 3n), 0, 'a group commit below the floor');
    await sleep(300);
    assert.equal(writer.acked.length, ackedAtFloor, 'nothing acknowledged below the floor');

    // Space returns: writes resume without a restart.
    await rm(filler);
    await until('writes to resume', () => writer.acked.length >= ackedAtFloor + 20);
    assert.deepEqual(await health(broker.httpPort), { status: 'ok', reasons: [] });
    assert.equal((await healthReport(broker.httpPort)).storage.writable, true);

    // A write that finds no room (ENOSPC) is refused and cut off; writes resume at the next free-space check.
    const errorsBefore = writer.errors.length;
    const ackedBefore = writer.acked.length;
    await shim.set(['write ENOSPC /topics/fill/ 2']);
    await until('ENOSPC refusals', () => writer.errors.length > errorsBefore);
    await until('writes to resume after ENOSPC', () => writer.acked.length >= ackedBefore + 20);
    assert.ok(
      writer.errors.every((e) => e === 'KAFKA_STORAGE_ERROR'),
      `errors: ${[...new Set(writer.errors)]}`,
    );
    const refused = await metric(broker.httpPort, 'samsa_storage_errors_total{fault="no_space"}');
    assert.equal(refused, 'samsa_storage_errors_total{fault="no_space"} 2');

    await writer.stop();
    await producer.disconnect();
    await admin.disconnect();
    assert.equal(await broker.stop(), 0);
    assert.deepEqual((await verifyLogDir(dataDir)).problems, [], 'no corrupt or truncated tail');

    broker = await startBroker({ dataDir, args });
    const stored = await checkPartition(broker.port, 'fill', 0, writer);
    t.diagnostic(
      `acked ${writer.acked.length}, stored ${stored}, refused ${writer.errors.length} (${ackedAtFloor} acked at the floor)`,
    );
    const admin2 = client(broker.bootstrap, 5).admin();
    await admin2.connect();
    const [offsets] = await admin2.fetchOffsets({ groupId: 'g', topics: ['fill'] });
    assert.equal(offsets!.partitions[0]!.offset, '3', 'the commit made below the floor is kept');
    await admin2.disconnect();
  } finally {
    await broker.cleanup();
    await stopAll();
    await disk.unmount();
    await shim.cleanup();
  }
});
