/**
 * Defensive decoding of the consumer-protocol bytes a member hands its group (the subscription in JoinGroup, the
 * assignment in SyncGroup), as DescribeGroups returns them. These bytes come from any client of any tenant and the
 * broker may store them unchecked (Apache Kafka does), so decoding never throws: a payload that is not a valid
 * consumer-protocol assignment is a typed failure with a reason, and the collector reports it as that group's error.
 * Lenient where real clients differ (a newer version than we know, missing trailing fields, trailing bytes), strict
 * where the bytes cannot be read (lengths past the end, negative counts).
 */

/** topic -> partitions assigned to one member, sorted. */
export type TopicAssignments = Record<string, number[]>;

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Upper bound on the partitions one member's assignment may list; beyond it the payload is refused as absurd. */
export const MAX_ASSIGNED_PARTITIONS_PER_MEMBER = 100_000;

class ConsumerProtocolError extends Error {
  override readonly name = 'ConsumerProtocolError';
}

/** A bounds-checked big-endian reader over one payload; every read past the end is a ConsumerProtocolError. */
class PayloadReader {
  private offset = 0;
  private readonly bytes: Buffer;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(n: number, what: string): void {
    if (n > this.remaining)
      throw new ConsumerProtocolError(`${what} needs ${n} bytes at offset ${this.offset}, ${this.remaining} left`);
  }

  int16(what: string): number {
    this.need(2, what);
    const v = this.bytes.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(what: string): number {
    this.need(4, what);
    const v = this.bytes.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  string(what: string): string {
    const length = this.int16(`${what} length`);
    if (length < 0) throw new ConsumerProtocolError(`${what} is null`);
    this.need(length, what);
    const s = this.bytes.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return s;
  }

  /** An array count, checked against the bytes left (each element takes at least `minElementBytes`). */
  count(what: string, minElementBytes: number): number {
    const n = this.int32(`${what} count`);
    if (n < 0) throw new ConsumerProtocolError(`${what} count is ${n}`);
    if (n * minElementBytes > this.remaining)
      throw new ConsumerProtocolError(`${what} count ${n} does not fit in the ${this.remaining} bytes left`);
    return n;
  }
}

/**
 * Decodes a ConsumerProtocolAssignment (any version: v0-v3 share `version, [topic [partition]], user_data`).
 * An empty payload is a member without an assignment yet (the group is rebalancing). Trailing user data and later
 * fields are not needed and not read.
 */
export function decodeConsumerAssignment(bytes: Buffer): DecodeResult<TopicAssignments> {
  if (bytes.length === 0) return { ok: true, value: {} };
  try {
    const r = new PayloadReader(bytes);
    const version = r.int16('version');
    if (version < 0) throw new ConsumerProtocolError(`version ${version} is negative`);
    // Some clients send only the version while they have nothing assigned.
    if (r.remaining === 0) return { ok: true, value: {} };
    // Map, not a plain object: a topic named `__proto__` must stay a topic.
    const byTopic = new Map<string, Set<number>>();
    let total = 0;
    const topics = r.count('topics', 6);
    for (let i = 0; i < topics; i++) {
      const topic = r.string('topic name');
      const partitions = r.count(`partitions of ${JSON.stringify(topic)}`, 4);
      total += partitions;
      if (total > MAX_ASSIGNED_PARTITIONS_PER_MEMBER)
        throw new ConsumerProtocolError(`more than ${MAX_ASSIGNED_PARTITIONS_PER_MEMBER} partitions assigned`);
      let set = byTopic.get(topic);
      if (!set) byTopic.set(topic, (set = new Set()));
      for (let j = 0; j < partitions; j++) {
        const p = r.int32('partition');
        if (p < 0) throw new ConsumerProtocolError(`partition ${p} of ${JSON.stringify(topic)} is negative`);
        set.add(p);
      }
    }
    // fromEntries defines own properties, so `__proto__` is a key like any other.
    const value: TopicAssignments = Object.fromEntries(
      [...byTopic].map(([topic, set]) => [topic, [...set].sort((a, b) => a - b)]),
    );
    return { ok: true, value };
  } catch (err) {
    if (err instanceof ConsumerProtocolError) return { ok: false, error: err.message };
    throw err;
  }
}
