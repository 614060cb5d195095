/**
 * Idempotent producers over the wire: a retried batch is answered with its original offset and not stored twice —
 * also after a clean restart and after kill -9 (state rebuilt from the log); gaps and stale epochs are refused.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { encodeBatch, ErrorCode, InitProducerId, Produce } from '@samsa/protocol';
import { makeDataDir, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { readPartition } from './support/read-back.ts';

type ProduceResponse = { responses: { partitionResponses: { errorCode: number; baseOffset: bigint }[] }[] };

function batch(producerId: bigint, producerEpoch: number, baseSequence: number, values: string[]): Buffer {
  return encodeBatch({ producerId, producerEpoch, baseSequence, records: values.map((value) => ({ value })) });
}

async function produce(c: RawClient, records: Buffer) {
  const res = (await c.request(Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: 'idem', partitionData: [{ index: 0, records }] }],
  })) as ProduceResponse;
  return res.responses[0]!.partitionResponses[0]!;
}

for (const restart of ['clean', 'kill -9'] as const) {
  test(`a retried batch is deduplicated across a ${restart} restart`, async () => {
    const dataDir = await makeDataDir();
    let broker = await startBroker({ dataDir });
    try {
      let c = await RawClient.connect(broker.port);
      const init = (await c.request(InitProducerId, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60000,
        producerId: -1n,
        producerEpoch: -1,
      })) as { errorCode: number; producerId: bigint; producerEpoch: number };
      assert.equal(init.errorCode, 0);
      const pid = init.producerId;
      const first = batch(pid, 0, 0, ['a', 'b']);
      const second = batch(pid, 0, 2, ['c']);
      assert.equal((await produce(c, first)).baseOffset, 0n);
      assert.equal((await produce(c, second)).baseOffset, 2n);
      c.close();
      if (restart === 'clean') await broker.stop();
      else await broker.kill9();

      broker = await startBroker({ dataDir });
      c = await RawClient.connect(broker.port);
      const retried = await produce(c, second);
      assert.equal(retried.errorCode, ErrorCode.NONE);
      assert.equal(retried.baseOffset, 2n, 'the retry gets the original offset');
      const next = await produce(c, batch(pid, 0, 3, ['d']));
      assert.equal(next.baseOffset, 3n);
      const gap = await produce(c, batch(pid, 0, 10, ['gap']));
      assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      const bumped = await produce(c, batch(pid, 1, 0, ['new-epoch']));
      assert.equal(bumped.errorCode, ErrorCode.NONE);
      const stale = await produce(c, batch(pid, 0, 4, ['stale']));
      assert.equal(stale.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
      c.close();
      const values = (await readPartition(broker.port, 'idem', 0)).map((r) => r.value);
      assert.deepEqual(values, ['a', 'b', 'c', 'd', 'new-epoch']);
    } finally {
      await broker.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

test('InitProducerId without a transactional id always hands out a fresh producer id, whatever id it names', async () => {
  const dataDir = await makeDataDir();
  const broker = await startBroker({ dataDir });
  try {
    const c = await RawClient.connect(broker.port);
    const init = async (producerId: bigint, producerEpoch: number) =>
      (await c.request(InitProducerId, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60000,
        producerId,
        producerEpoch,
      })) as {
        errorCode: number;
        producerId: bigint;
        producerEpoch: number;
      };
    const first = await init(-1n, -1);
    // @platformatic/kafka asks with 0/0; another client may name someone else's id: neither may get that id back.
    const zero = await init(0n, 0);
    const named = await init(first.producerId, 0);
    for (const r of [first, zero, named]) {
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal(r.producerEpoch, 0);
    }
    assert.equal(new Set([first.producerId, zero.producerId, named.producerId]).size, 3, 'three distinct producer ids');
    // The first producer is not fenced by the others' requests.
    assert.equal((await produce(c, batch(first.producerId, 0, 0, ['still-mine']))).errorCode, ErrorCode.NONE);
    c.close();
  } finally {
    await broker.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
});
