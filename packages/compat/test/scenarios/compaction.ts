/**
 * Log compaction as a reader sees it: after both brokers' cleaners ran, reading a compacted topic from the start gives
 * each key's latest value at the offset it was written at, and the keys overwritten in sealed segments appear once.
 */
import { encodeBatch, Produce } from '@samsa/protocol';
import type { RawClient } from '@samsa/test-support/raw-client';
import { eventually } from '@samsa/test-support/eventually';
import { createTopics, errName, type FetchedRecord, fetchRecords, type Scenario, withRaw } from './target.ts';

const KEYS = 5;
const ROUNDS = 4;
/** Segments roll on the first append after this long (both brokers get a low segment.ms floor for it). */
const SEGMENT_MS = 200;

async function produceRound(c: RawClient, topic: string, round: number) {
  const records = Array.from({ length: KEYS }, (_, k) => ({ key: `key-${k}`, value: `round-${round}` }));
  // A tombstone for key-0 in the last round: it must stay readable (delete.retention.ms is a day).
  if (round === ROUNDS - 1) records[0] = { key: 'key-0', value: null as unknown as string };
  const r = await c.request(Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: encodeBatch({ records }) }] }],
  });
  const p = (r.responses as { partitionResponses: Record<string, unknown>[] }[])[0]!.partitionResponses[0]!;
  return errName(p.errorCode);
}

/** Every record from offset 0 to the high watermark (Kafka answers one segment per fetch). */
async function readAll(c: RawClient, topic: string): Promise<FetchedRecord[]> {
  const out: FetchedRecord[] = [];
  let offset = 0n;
  for (let round = 0; round < 100; round++) {
    const { records, highWatermark } = await fetchRecords(c, topic, 0, offset);
    out.push(...records);
    if (records.length === 0 || records[records.length - 1]!.offset + 1n >= highWatermark) return out;
    offset = records[records.length - 1]!.offset + 1n;
  }
  return out;
}

export const compactedTopicAfterCleaning: Scenario = async (t) => {
  const topic = 'diff-compacted';
  await createTopics(t, [
    {
      topic,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'segment.ms', value: String(SEGMENT_MS) },
        { name: 'min.cleanable.dirty.ratio', value: '0.01' },
      ],
    },
  ]);
  return withRaw(t, async (c) => {
    const produced: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      produced.push(await produceRound(c, topic, round));
      await new Promise((r) => setTimeout(r, SEGMENT_MS + 50));
    }
    // One more record rolls the last round into a sealed segment; it stays in the active one.
    const last = await c.request(Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [
        {
          name: topic,
          partitionData: [{ index: 0, records: encodeBatch({ records: [{ key: 'last', value: 'x' }] }) }],
        },
      ],
    });
    produced.push(
      errName(
        (last.responses as { partitionResponses: { errorCode: number }[] }[])[0]!.partitionResponses[0]!.errorCode,
      ),
    );
    let records: FetchedRecord[] = [];
    await eventually(
      async () => {
        records = await readAll(c, topic);
        const keys = records.map((r) => r.key);
        return new Set(keys).size === keys.length;
      },
      `${t.name}'s cleaner to compact ${topic}`,
      60_000,
    );
    const keyless = await c.request(Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [
        {
          name: topic,
          partitionData: [{ index: 0, records: encodeBatch({ records: [{ key: 'k', value: 'a' }, { value: 'b' }] }) }],
        },
      ],
    });
    const refused = (keyless.responses as { partitionResponses: Record<string, unknown>[] }[])[0]!
      .partitionResponses[0]!;
    return {
      produced,
      keyless: {
        errorCode: errName(refused.errorCode),
        errorMessage: refused.errorMessage,
        recordErrors: refused.recordErrors,
      },
      read: records.map((r) => ({ offset: r.offset, key: r.key, value: r.value })),
    };
  });
};
