/**
 * A broker under differential test, Apache Kafka or Samsa, as the scenarios see it: a bootstrap address, kafkajs and
 * raw-protocol clients (optionally authenticated), and small helpers that turn what a client saw into plain data.
 */
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { decodeRecords, ErrorCode, Fetch, splitRecordSet } from '@samsa/protocol';
import { RawClient } from '@samsa/test-support/raw-client';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';

export interface Credentials {
  username: string;
  password: string;
}

export interface Target {
  name: 'kafka' | 'samsa';
  bootstrap: string;
  /** Who the clients authenticate as by default (unset: no SASL). */
  identity?: Credentials;
}

/** A target with authorization on: an admin (Kafka's superuser / a Samsa tenant admin) and a member without ACLs. */
export interface SecureTarget extends Target {
  identity: Credentials;
  member: Credentials;
}

/** An observation: plain data a client saw, already normalized where brokers legitimately differ. */
export type Observation = Record<string, unknown>;

export type Scenario<T extends Target = Target> = (target: T) => Promise<Observation>;

export function kafkaClient(t: Target, as: Credentials | undefined = t.identity, extra: Partial<KafkaConfig> = {}) {
  return new Kafka({
    clientId: `differential-${t.name}`,
    brokers: [t.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 100 },
    ...(as ? { sasl: { mechanism: 'plain', username: as.username, password: as.password } } : {}),
    ...extra,
  });
}

/** A raw-protocol connection, authenticated with SASL/PLAIN as `as` (default: the target's identity; null: not). */
export async function rawClient(t: Target, as: Credentials | null | undefined = t.identity): Promise<RawClient> {
  const [host, port] = t.bootstrap.split(':');
  const c = await RawClient.connect(Number(port), host);
  if (as) await c.saslPlain(as.username, as.password);
  return c;
}

export async function withRaw<R>(t: Target, fn: (c: RawClient) => Promise<R>, as?: Credentials): Promise<R> {
  const c = await rawClient(t, as ?? t.identity);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

const ERROR_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([k, v]) => [v as number, k]));

/** An error code as its Kafka name (so a failing comparison reads well); unknown codes stay numbers. */
export function errName(code: unknown): string {
  return ERROR_NAMES.get(Number(code)) ?? `code ${String(code)}`;
}

/** Creates topics with kafkajs (waiting for their leaders) and fails loudly if it could not. */
export async function createTopics(
  t: Target,
  topics: { topic: string; numPartitions?: number; configEntries?: { name: string; value: string }[] }[],
): Promise<void> {
  const admin = kafkaClient(t).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Like createTopics, but answers the error each topic got ('NONE' when created), as a client would report it. */
export async function tryCreateTopic(
  t: Target,
  topic: { topic: string; numPartitions?: number; configEntries?: { name: string; value: string }[] },
): Promise<string> {
  try {
    await createTopics(t, [topic]);
    return 'NONE';
  } catch (err) {
    const errors = (err as { errors?: { type?: string }[] }).errors;
    if (errors?.[0]?.type) return errors[0].type;
    throw err;
  }
}

/** A one-partition Fetch request body: no wait, no session unless asked (`sessionEpoch: 0` asks for one). */
export function fetchBody(
  topic: { topic: string } | { topicId: string },
  partition: number,
  fetchOffset: bigint,
  opts: { maxBytes?: number; isolationLevel?: number; sessionEpoch?: number } = {},
) {
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    isolationLevel: opts.isolationLevel ?? 0,
    sessionId: 0,
    sessionEpoch: opts.sessionEpoch ?? -1,
    topics: [{ ...topic, partitions: [{ partition, fetchOffset, partitionMaxBytes: maxBytes }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

export interface FetchedRecord {
  offset: bigint;
  timestamp: bigint;
  key: string | null;
  value: string | null;
  headers: Record<string, string | null>;
  codec: number;
  logAppendTime: boolean;
}

/** Reads a partition from `fromOffset` with a raw Fetch v12 and decodes every record (gzip and zstd batches too). */
export async function fetchRecords(
  c: RawClient,
  topic: string,
  partition: number,
  fromOffset = 0n,
  maxBytes = 10 * 1024 * 1024,
): Promise<{ errorCode: string; highWatermark: bigint; records: FetchedRecord[] }> {
  const r = await c.request(Fetch, 12, fetchBody({ topic }, partition, fromOffset, { maxBytes }));
  const p = (r.responses as { partitions: Record<string, unknown>[] }[])[0]!.partitions[0]!;
  const records: FetchedRecord[] = [];
  const bytes = (p.records as Buffer | null) ?? Buffer.alloc(0);
  for (const batch of splitRecordSet(bytes)) {
    const codec = batch.header.attributes & 0x07;
    const body = batch.bytes.subarray(61);
    const payload =
      codec === 0 ? undefined : codec === 1 ? gunzipSync(body) : codec === 4 ? zstdDecompressSync(body) : null;
    if (payload === null) throw new Error(`codec ${codec} is not decoded by this test`);
    for (const rec of decodeRecords(batch.bytes, payload)) {
      if (rec.offset < fromOffset) continue;
      records.push({
        offset: rec.offset,
        timestamp: (batch.header.attributes & 0x08) !== 0 ? batch.header.maxTimestamp : rec.timestamp,
        key: rec.key?.toString() ?? null,
        value: rec.value?.toString() ?? null,
        headers: Object.fromEntries(rec.headers.map((h) => [h.key, h.value?.toString() ?? null])),
        codec,
        logAppendTime: (batch.header.attributes & 0x08) !== 0,
      });
    }
  }
  return { errorCode: errName(p.errorCode), highWatermark: p.highWatermark as bigint, records };
}
