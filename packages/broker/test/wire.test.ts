/**
 * The broker at the wire level, with a raw client: ApiVersions (and its v0 fallback), pipelined ordering, acks=0,
 * long-poll Fetch woken by Produce, and malformed, oversized or unknown requests closing only the offending connection.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ApiVersions,
  DescribeConfigs,
  encodeBatch,
  encodeRequest,
  ErrorCode,
  Fetch,
  IncrementalAlterConfigs,
  ListOffsets,
  Metadata,
  Produce,
  decodeResponse,
} from '@samsa/protocol';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { RawClient } from '@samsa/test-support/raw-client';
import { seeded } from '@samsa/protocol/testing';
import { logged } from '@samsa/test-support/eventually';

let broker: BrokerProcess;
before(async () => {
  broker = await startBroker({ args: ['--max-request-bytes', '65536'] });
});
after(async () => {
  await broker.cleanup();
});

function produceBody(topic: string, acks: number, values: string[]) {
  return {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [
      {
        name: topic,
        partitionData: [{ index: 0, records: encodeBatch({ records: values.map((v) => ({ value: v })) }) }],
      },
    ],
  };
}

function fetchBody(topic: string, offset: bigint, maxWaitMs: number, minBytes: number) {
  return {
    maxWaitMs,
    minBytes,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

test('ApiVersions v3 lists the APIs; an unsupported version gets UNSUPPORTED_VERSION in the v0 layout', async () => {
  const c = await RawClient.connect(broker.port);
  const res = (await c.request(ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' })) as {
    errorCode: number;
    apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[];
  };
  assert.equal(res.errorCode, 0);
  const keys = res.apiKeys.map((k) => k.apiKey);
  for (const k of [0, 1, 2, 3, 18, 19, 20, 21, 32, 33, 37, 44, 60]) assert.ok(keys.includes(k), `advertises ${k}`);

  // Version 99 of ApiVersions: the answer uses header v0 and body v0.
  const frame = await new Promise<Buffer>((resolve) => {
    const raw = encodeRequest(ApiVersions, 3, 77, 'test', { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    raw.writeInt16BE(99, 6);
    // Collect the response by sending a raw frame and parsing it as v0.
    const sock = (c as unknown as { socket: import('node:net').Socket }).socket;
    sock.removeAllListeners('data');
    sock.once('data', (d: Buffer) => resolve(d.subarray(4)));
    c.writeRaw(raw);
  });
  const v0 = decodeResponse(ApiVersions, 0, frame);
  assert.equal(v0.correlationId, 77);
  assert.equal(v0.body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.ok((v0.body.apiKeys as { apiKey: number }[]).some((k) => k.apiKey === 18));
  c.close();
});

test('pipelined requests are answered in order, with acks=0 produces silently in between', async () => {
  const c = await RawClient.connect(broker.port);
  await c.request(Metadata, 9, {
    topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'pipelined' }],
    allowAutoTopicCreation: true,
  });
  const pending: Promise<Record<string, unknown>>[] = [];
  for (let i = 0; i < 30; i++) {
    if (i % 3 === 0) c.send(Produce, 9, produceBody('pipelined', 0, [`silent-${i}`]));
    pending.push(c.request(Produce, 9, produceBody('pipelined', i % 2 === 0 ? -1 : 1, [`v${i}`])));
    pending.push(c.request(Metadata, 9, { topics: null, allowAutoTopicCreation: false }));
  }
  const results = await Promise.all(pending);
  assert.equal(results.length, 60);
  c.close();
});

test('a parked Fetch is woken by a Produce well before its max wait', async () => {
  const c = await RawClient.connect(broker.port);
  const p = await RawClient.connect(broker.port);
  await p.request(Produce, 9, produceBody('longpoll', 1, ['first']));
  const startedMs = Date.now();
  const parked = c.request(Fetch, 11, fetchBody('longpoll', 1n, 20_000, 1));
  await new Promise((r) => setTimeout(r, 200));
  await p.request(Produce, 9, produceBody('longpoll', 1, ['second']));
  const res = (await parked) as { responses: { partitions: { records: Buffer; highWatermark: bigint }[] }[] };
  const elapsedMs = Date.now() - startedMs;
  assert.equal(res.responses[0]!.partitions[0]!.highWatermark, 2n);
  assert.ok(res.responses[0]!.partitions[0]!.records.length > 0);
  assert.ok(elapsedMs < 20_000, 'answered by the append, not the timeout');
  c.close();
  p.close();
});

test('a Fetch with nothing to return waits max_wait_ms and answers empty', async () => {
  const c = await RawClient.connect(broker.port);
  await c.request(Produce, 9, produceBody('idle', 1, ['only']));
  const res = (await c.request(Fetch, 11, fetchBody('idle', 1n, 300, 1))) as {
    responses: { partitions: { errorCode: number; records: Buffer | null }[] }[];
  };
  assert.equal(res.responses[0]!.partitions[0]!.errorCode, 0);
  assert.equal(res.responses[0]!.partitions[0]!.records?.length ?? 0, 0);
  const out = (await c.request(Fetch, 11, fetchBody('idle', 99n, 0, 0))) as {
    responses: { partitions: { errorCode: number }[] }[];
  };
  assert.equal(out.responses[0]!.partitions[0]!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  c.close();
});

test('a corrupt batch is refused with CORRUPT_MESSAGE and stores nothing', async () => {
  const c = await RawClient.connect(broker.port);
  const body = produceBody('corrupt', 1, ['good']);
  const records = body.topicData[0]!.partitionData[0]!.records;
  records[records.length - 1]! ^= 0xff;
  const res = (await c.request(Produce, 9, body)) as { responses: { partitionResponses: { errorCode: number }[] }[] };
  assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.CORRUPT_MESSAGE);
  c.close();
});

test('malformed, oversized and unknown requests close only that connection', async () => {
  const bystander = await RawClient.connect(broker.port);
  const cases: Buffer[] = [
    Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3]), // negative size
    Buffer.from([0x00, 0x10, 0x00, 0x00]), // 1 MiB frame over the 64 KiB limit
    encodeRequest(ApiVersions, 0, 1, 'x', {}).fill(0x7f, 4, 6), // unknown api key 32639
    Buffer.from([0, 0, 0, 6, 0, 3, 0, 9, 0, 0]), // truncated header
  ];
  for (const bytes of cases) {
    const c = await RawClient.connect(broker.port);
    c.writeRaw(bytes);
    assert.equal(await c.waitClosed(), true, `closed after ${bytes.toString('hex')}`);
  }
  const ok = (await bystander.request(Metadata, 1, { topics: null })) as { brokers: unknown[] };
  assert.equal(ok.brokers.length, 1);
  bystander.close();
});

test('random and mutated frames never take the broker down', async () => {
  const rnd = seeded(1234);
  const valid = [
    encodeRequest(Metadata, 9, 1, 'fuzz', { topics: null, allowAutoTopicCreation: false }),
    encodeRequest(Produce, 9, 2, 'fuzz', produceBody('fuzzed', 1, ['a', 'b'])),
    encodeRequest(Fetch, 11, 3, 'fuzz', fetchBody('fuzzed', 0n, 0, 0)),
  ];
  for (let i = 0; i < 150; i++) {
    const c = await RawClient.connect(broker.port);
    const frame = Buffer.from(valid[i % valid.length]!);
    for (let m = 0; m < 1 + Math.floor(rnd() * 3); m++) {
      const at = 4 + Math.floor(rnd() * (frame.length - 4));
      frame[at] = Math.floor(rnd() * 256);
    }
    c.writeRaw(frame);
    await new Promise((r) => setTimeout(r, 5));
    c.close();
  }
  const check = await RawClient.connect(broker.port);
  const res = (await check.request(Metadata, 1, { topics: null })) as { brokers: unknown[] };
  assert.equal(res.brokers.length, 1);
  check.close();
});

test('connections beyond --max-connections are refused while existing ones keep working', async () => {
  const limited = await startBroker({ args: ['--max-connections', '2'] });
  try {
    const a = await RawClient.connect(limited.port);
    const b = await RawClient.connect(limited.port);
    await a.request(Metadata, 1, { topics: null });
    const c = await RawClient.connect(limited.port).catch(() => null);
    if (c) assert.equal(await c.waitClosed(), true, 'the third connection is dropped');
    const res = (await b.request(Metadata, 1, { topics: null })) as { brokers: unknown[] };
    assert.equal(res.brokers.length, 1, 'existing connections are unaffected');
    a.close();
    b.close();
    const metrics = await fetch(`http://127.0.0.1:${limited.httpPort}/metrics`).then((r) => r.text());
    assert.match(metrics, /^samsa_connections_rejected_total [1-9]/m);
    assert.match(metrics, /^samsa_connections_refused_total\{reason="max_connections"\} [1-9]/m);
    await logged(limited, 'the broker is at --max-connections');
  } finally {
    await limited.cleanup();
  }
});

test('timestamps as Kafka 4 checks them: over an hour ahead is INVALID_TIMESTAMP unless the topic allows it; ListOffsets -3 finds the record; an unknown special timestamp is UNSUPPORTED_VERSION', async () => {
  const c = await RawClient.connect(broker.port);
  type ProduceRes = { responses: { partitionResponses: { errorCode: number; baseOffset: bigint }[] }[] };
  const produce = async (topic: string, timestamps: bigint[]) => {
    const body = produceBody(topic, -1, []);
    body.topicData[0]!.partitionData[0]!.records = encodeBatch({
      records: timestamps.map((timestamp, i) => ({ value: `v${i}`, timestamp })),
    });
    return ((await c.request(Produce, 9, body)) as ProduceRes).responses[0]!.partitionResponses[0]!;
  };
  const now = BigInt(Date.now());
  assert.equal((await produce('timestamps', [now])).errorCode, ErrorCode.NONE);
  assert.equal((await produce('timestamps', [now + 7_200_000n])).errorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.equal((await produce('timestamps', [now + 1_800_000n])).errorCode, ErrorCode.NONE);

  const altered = (await c.request(IncrementalAlterConfigs, 1, {
    resources: [
      {
        resourceType: 2,
        resourceName: 'timestamps',
        configs: [{ name: 'message.timestamp.after.max.ms', configOperation: 0, value: '9223372036854775807' }],
      },
    ],
    validateOnly: false,
  })) as { responses: { errorCode: number }[] };
  assert.equal(altered.responses[0]!.errorCode, ErrorCode.NONE);
  assert.equal((await produce('timestamps', [now + 7_200_000n])).errorCode, ErrorCode.NONE);
  const described = (await c.request(DescribeConfigs, 4, {
    resources: [{ resourceType: 2, resourceName: 'timestamps', configurationKeys: ['message.timestamp.after.max.ms'] }],
    includeSynonyms: true,
    includeDocumentation: false,
  })) as { results: { configs: { value: string; synonyms: { name: string; value: string; source: number }[] }[] }[] };
  assert.deepEqual(described.results[0]!.configs[0]!.synonyms, [
    { name: 'message.timestamp.after.max.ms', value: '9223372036854775807', source: 1 },
    { name: 'log.message.timestamp.after.max.ms', value: '3600000', source: 5 },
  ]);

  // The newest timestamp is the middle record of one batch: -3 answers that record, not the batch.
  const base = now - 60_000n;
  assert.equal((await produce('max-timestamp', [base + 1000n, base + 3000n, base + 2000n])).errorCode, ErrorCode.NONE);
  const list = async (timestamp: bigint) =>
    (
      (await c.request(ListOffsets, 8, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: 'max-timestamp', partitions: [{ partitionIndex: 0, timestamp }] }],
      })) as { topics: { partitions: { errorCode: number; offset: bigint; timestamp: bigint }[] }[] }
    ).topics[0]!.partitions[0]!;
  const max = await list(-3n);
  assert.deepEqual([max.errorCode, max.offset, max.timestamp], [ErrorCode.NONE, 1n, base + 3000n]);
  assert.equal((await list(-7n)).errorCode, ErrorCode.UNSUPPORTED_VERSION);
  c.close();
});
