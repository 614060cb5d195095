/**
 * How the host reaches the broker for one processor: as the platform superuser acting for the processor's tenant
 * (SASL authorization id), or unauthenticated with internal `<slug>.<topic>` names when the broker has no auth. Also
 * the few group calls @platformatic/kafka does not offer: commits that carry metadata and reading it back, and a
 * group-less, bounded read of a partition range.
 */
import {
  type BaseOptions,
  type Connection,
  type Consumer,
  kGetConnection,
  offsetCommitV8,
  offsetFetchV8,
  type SASLCustomAuthenticator,
} from '@platformatic/kafka';
import { scramWithAuthzid } from '@samsa/cluster';

export interface SuperuserCredentials {
  username: string;
  password: string;
  mechanism: 'SCRAM-SHA-512' | 'SCRAM-SHA-256' | 'PLAIN';
}

export interface BrokerAccess {
  bootstrap: string[];
  /** null: a broker without auth (names are then `<slug>.<topic>`). */
  superuser: SuperuserCredentials | null;
  requestTimeoutMs: number;
}

/** PLAIN with an authorization id: `authzid \0 username \0 password` (RFC 4616). */
function plainWithAuthzid(authzid: string): SASLCustomAuthenticator {
  return (_mechanism, connection, authenticate, usernameProvider, passwordProvider, _token, callback) => {
    const value = async (p: unknown) => (typeof p === 'function' ? await p() : p) as string;
    (async () => {
      const username = await value(usernameProvider);
      const password = await value(passwordProvider);
      return authenticate.async(connection, Buffer.from(`${authzid}\0${username}\0${password}`));
    })().then(
      (r) => callback(null, r),
      (e) => callback(e as Error),
    );
  };
}

/** A tenant-scoped view: client options and the broker's name for a tenant-local topic or group. */
export class TenantAccess {
  readonly slug: string;
  readonly #access: BrokerAccess;
  readonly #authzid: string;

  constructor(access: BrokerAccess, slug: string, authzid: string) {
    this.#access = access;
    this.slug = slug;
    this.#authzid = authzid;
  }

  /** The name the broker knows a tenant-local topic or group by, on this connection. */
  name(local: string): string {
    return this.#access.superuser ? local : `${this.slug}.${local}`;
  }

  /** The tenant-local name of a broker name seen on this connection. */
  local(brokerName: string): string {
    if (this.#access.superuser) return brokerName;
    return brokerName.startsWith(`${this.slug}.`) ? brokerName.slice(this.slug.length + 1) : brokerName;
  }

  clientOptions(clientId: string): BaseOptions {
    const su = this.#access.superuser;
    const base: BaseOptions = {
      clientId,
      bootstrapBrokers: this.#access.bootstrap,
      timeout: this.#access.requestTimeoutMs,
      retries: 3,
      retryDelay: 250,
    };
    if (!su) return base;
    const authenticate = su.mechanism === 'PLAIN' ? plainWithAuthzid(this.#authzid) : scramWithAuthzid(this.#authzid);
    return {
      ...base,
      sasl: { mechanism: su.mechanism, username: su.username, password: su.password, authenticate },
    };
  }
}

/** A Kafka error code in a response, with the call it answered. */
export class KafkaCallError extends Error {
  override readonly name = 'KafkaCallError';
  readonly errorCode: number;
  constructor(call: string, errorCode: number) {
    super(`${call} failed with Kafka error code ${errorCode}`);
    this.errorCode = errorCode;
  }
  /** The group moved on (rebalance, fenced member): the partition may belong to someone else now. */
  get fenced(): boolean {
    return [22, 25, 27].includes(this.errorCode);
  }
}

async function coordinatorConnection(consumer: Consumer): Promise<Connection> {
  const nodeId = await consumer.findGroupCoordinator();
  const metadata = await consumer.metadata({ topics: [] });
  const broker = metadata.brokers.get(nodeId);
  if (!broker) throw new Error(`group coordinator ${nodeId} is not in the cluster metadata`);
  return new Promise((resolve, reject) =>
    consumer[kGetConnection](broker, (error, connection) => (error ? reject(error) : resolve(connection!))),
  );
}

export interface CommittedPosition {
  /** -1n: nothing committed. */
  offset: bigint;
  metadata: string | null;
}

/**
 * Commits offsets with metadata for the consumer's group (as its current member, or with `asMember: false` as an
 * outsider, which the broker allows only while the group has no members).
 */
export async function commitWithMetadata(
  consumer: Consumer,
  topic: string,
  offsets: Array<{ partition: number; offset: bigint; metadata: string | null }>,
  asMember = true,
): Promise<void> {
  const connection = await coordinatorConnection(consumer);
  const response = await offsetCommitV8.api.async(
    connection,
    consumer.groupId,
    asMember ? consumer.generationId : -1,
    asMember ? (consumer.memberId ?? '') : '',
    null,
    [
      {
        name: topic,
        partitions: offsets.map((o) => ({
          partitionIndex: o.partition,
          committedOffset: o.offset,
          committedLeaderEpoch: -1,
          committedMetadata: o.metadata,
        })),
      },
    ],
  );
  for (const t of response.topics)
    for (const p of t.partitions) if (p.errorCode !== 0) throw new KafkaCallError('OffsetCommit', p.errorCode);
}

/** The group's committed offsets and their metadata for some partitions of a topic. */
export async function committedPositions(
  consumer: Consumer,
  topic: string,
  partitions: number[],
): Promise<Map<number, CommittedPosition>> {
  const connection = await coordinatorConnection(consumer);
  const response = await offsetFetchV8.api.async(
    connection,
    [
      {
        groupId: consumer.groupId,
        memberId: null,
        memberEpoch: -1,
        topics: [{ name: topic, partitionIndexes: partitions }],
      },
    ],
    false,
  );
  const out = new Map<number, CommittedPosition>();
  for (const g of response.groups) {
    if (g.errorCode !== 0) throw new KafkaCallError('OffsetFetch', g.errorCode);
    for (const t of g.topics)
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw new KafkaCallError('OffsetFetch', p.errorCode);
        out.set(p.partitionIndex, { offset: p.committedOffset, metadata: p.metadata ?? null });
      }
  }
  return out;
}

export const EARLIEST = -2n;
export const LATEST = -1n;

/** Offsets of every partition of `topic` at a timestamp (or EARLIEST / LATEST); -1n where none is at or after it. */
export async function partitionOffsets(consumer: Consumer, topic: string, timestamp: bigint): Promise<bigint[]> {
  const offsets = await consumer.listOffsets({ topics: [topic], timestamp });
  const list = offsets.get(topic);
  if (!list) throw new Error(`no offsets for topic '${topic}'`);
  return list;
}

export interface ReadRecord {
  offset: bigint;
  timestampMs: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer]>;
}

/**
 * Reads partition records in [fromOffset, untilOffset) without a group, in fetches of at most `fetchMaxBytes`.
 * Stops early (returns `complete: false`) past `maxBytes` read or `timeoutMs`.
 */
export async function readRange(
  consumer: Consumer,
  topic: string,
  partition: number,
  fromOffset: bigint,
  untilOffset: bigint,
  bounds: { maxBytes: number; timeoutMs: number; fetchMaxBytes: number },
  onRecord: (r: ReadRecord) => void | Promise<void>,
): Promise<{ complete: boolean; nextOffset: bigint }> {
  const deadline = Date.now() + bounds.timeoutMs;
  let offset = fromOffset;
  let bytes = 0;
  while (offset < untilOffset) {
    if (bytes > bounds.maxBytes || Date.now() > deadline) return { complete: false, nextOffset: offset };
    const metadata = await consumer.metadata({ topics: [topic] });
    const t = metadata.topics.get(topic);
    if (!t) throw new Error(`topic '${topic}' is not in the cluster metadata`);
    const response = await consumer.fetch({
      node: t.partitions[partition]?.leader ?? 0,
      maxWaitTime: 50,
      minBytes: 1,
      maxBytes: bounds.fetchMaxBytes,
      topics: [
        {
          topicId: t.id,
          partitions: [
            {
              partition,
              currentLeaderEpoch: -1,
              fetchOffset: offset,
              lastFetchedEpoch: -1,
              partitionMaxBytes: bounds.fetchMaxBytes,
            },
          ],
        },
      ],
    });
    let progressed = false;
    for (const rt of response.responses)
      for (const p of rt.partitions) {
        if (p.errorCode !== 0) throw new KafkaCallError('Fetch', p.errorCode);
        for (const batch of p.records ?? []) {
          bytes += batch.length;
          for (const r of batch.records) {
            const recordOffset = batch.firstOffset + BigInt(r.offsetDelta);
            if (recordOffset < offset || recordOffset >= untilOffset) continue;
            await onRecord({
              offset: recordOffset,
              timestampMs: Number(batch.firstTimestamp + r.timestampDelta),
              key: r.key,
              value: r.value,
              headers: r.headers.map(([k, v]) => [k?.toString('utf8') ?? '', v ?? Buffer.alloc(0)]),
            });
            offset = recordOffset + 1n;
            progressed = true;
          }
          const batchEnd = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
          if (batchEnd > offset) {
            offset = batchEnd > untilOffset ? untilOffset : batchEnd;
            progressed = true;
          }
        }
        if (!progressed && p.highWatermark <= offset) return { complete: true, nextOffset: offset };
      }
  }
  return { complete: true, nextOffset: offset };
}

/**
 * Producer options for the host's writes: idempotent, acks=all. @platformatic/kafka asks InitProducerId for
 * producer 0 epoch 0 unless told otherwise, which the broker takes as "bump producer 0" (KIP-360): every such
 * producer would share producer id 0, and a new producer's first batches would be dropped as duplicates of an old
 * one's. Asking with -1/-1 gets a fresh producer id.
 */
export const IDEMPOTENT_PRODUCER = {
  idempotent: true,
  acks: -1,
  autocreateTopics: false,
  producerId: -1n,
  producerEpoch: -1,
} as const;
