/**
 * The consumer protocol's embedded payloads, carried as opaque bytes by JoinGroup (a member's
 * ConsumerProtocolSubscription) and SyncGroup (its ConsumerProtocolAssignment): an int16 version, then the struct
 * of that version (never flexible). Kafka's brokers pass them through; admin tools and lag monitors decode them, so
 * the broker checks them with these definitions for groups whose protocol type is "consumer".
 */
import { compile, decodeStruct, encodeStruct } from './codec.ts';
import { assertDecode } from './errors.ts';
import { ByteReader } from './reader.ts';
import { type Field, f } from './schema.ts';
import { ByteWriter } from './writer.ts';

/** The newest version defined here; newer ones are read as this one, as Kafka's clients do (fields only append). */
export const CONSUMER_PROTOCOL_MAX_VERSION = 3;

const TOPIC_PARTITIONS = (versions: string) => [f.string('topic', versions), f.array('partitions', versions, 'int32')];

const SUBSCRIPTION = [
  f.array('topics', '0+', 'string'),
  f.bytes('userData', '0+', { nullable: '0+', default: null }),
  f.structs('ownedPartitions', '1+', TOPIC_PARTITIONS('1+'), { default: [] }),
  f.int32('generationId', '2+', { default: -1 }),
  f.string('rackId', '3+', { nullable: '3+', default: null }),
];

const ASSIGNMENT = [
  f.structs('assignedPartitions', '0+', TOPIC_PARTITIONS('0+')),
  f.bytes('userData', '0+', { nullable: '0+', default: null }),
];

export interface ConsumerProtocolSubscription {
  version: number;
  topics: string[];
  userData: Buffer | null;
  ownedPartitions: { topic: string; partitions: number[] }[];
  generationId: number;
  rackId: string | null;
}

export interface ConsumerProtocolAssignment {
  version: number;
  assignedPartitions: { topic: string; partitions: number[] }[];
  userData: Buffer | null;
}

function decodeVersioned(bytes: Buffer, fields: readonly Field[], what: string): Record<string, unknown> {
  const r = new ByteReader(bytes);
  const version = r.int16();
  assertDecode(version >= 0, `${what} version ${version} is negative`);
  const read = Math.min(version, CONSUMER_PROTOCOL_MAX_VERSION);
  // Bytes after the struct are allowed: a newer version appends its fields.
  return { version, ...decodeStruct(r, compile(fields, read, false)) };
}

function encodeVersioned(fields: readonly Field[], value: { version: number } & Record<string, unknown>): Buffer {
  assertDecode(value.version >= 0 && value.version <= CONSUMER_PROTOCOL_MAX_VERSION, `bad version ${value.version}`);
  const w = new ByteWriter();
  w.int16(value.version);
  encodeStruct(w, compile(fields, value.version, false), value);
  return w.toBuffer();
}

/** Decodes a member's subscription; throws ProtocolDecodeError when the bytes are not one. */
export function decodeConsumerSubscription(bytes: Buffer): ConsumerProtocolSubscription {
  return decodeVersioned(bytes, SUBSCRIPTION, 'subscription') as unknown as ConsumerProtocolSubscription;
}

/**
 * Decodes a member's assignment; throws ProtocolDecodeError when the bytes are not one. Empty bytes are a valid
 * assignment of nothing (a member the leader gave no partitions).
 */
export function decodeConsumerAssignment(bytes: Buffer): ConsumerProtocolAssignment {
  if (bytes.length === 0) return { version: 0, assignedPartitions: [], userData: null };
  return decodeVersioned(bytes, ASSIGNMENT, 'assignment') as unknown as ConsumerProtocolAssignment;
}

export function encodeConsumerSubscription(
  value: Pick<ConsumerProtocolSubscription, 'version' | 'topics'> & Partial<ConsumerProtocolSubscription>,
): Buffer {
  return encodeVersioned(SUBSCRIPTION, {
    userData: null,
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
    ...value,
  });
}

export function encodeConsumerAssignment(
  value: Pick<ConsumerProtocolAssignment, 'version' | 'assignedPartitions'> & Partial<ConsumerProtocolAssignment>,
): Buffer {
  return encodeVersioned(ASSIGNMENT, { userData: null, ...value });
}
