/**
 * Records in Confluent's wire format: magic byte 0, the schema id (4 bytes, big-endian), then the payload, which
 * this module decodes for display as exact, pretty JSON. The schema is parsed here with the registry's own formats
 * (references included); finding it by id is the caller's (the console looks it up in the record's tenant).
 *
 * - Avro: the binary encoding after the header (avsc). Longs are read as BigInt and printed as JSON numbers with
 *   every digit; bytes and fixed as Avro's JSON encoding (one character per byte, non-ASCII as `\u00XX`).
 * - Protobuf: Confluent's message indexes (a zigzag varint count, then that many zigzag varint indexes: the path
 *   to the message among the file's top-level messages and their nested ones; a single 0 byte for the first
 *   message), then the message (protobufjs). Some serializers leave the indexes out (@kafkajs/confluent-schema-
 *   registry 4 writes the first message's bytes right after the header): bytes that are no valid index path and
 *   message are read as the file's first message. Printed as Protobuf's JSON mapping: 64-bit integers as decimal
 *   strings, enums by name, bytes in base64, fields left at their defaults included, names as declared.
 * - JSON Schema: UTF-8 JSON text after the header; numbers keep their digits as written.
 */
import avro from 'avsc';
import Long from 'long';
import protobuf from 'protobufjs';
import { avroType } from './formats/avro.ts';
import { type ProtobufSchema, protobufFormat } from './formats/protobuf.ts';
import { InvalidSchemaError, type ResolvedReference, type SchemaType } from './formats/types.ts';

export { InvalidSchemaError } from './formats/types.ts';

// protobufjs reads 64-bit integers exactly only with a Long implementation; given here, not found at run time.
protobuf.util.Long = Long;
protobuf.configure();

/** Magic byte and schema id. */
export const WIRE_HEADER_BYTES = 5;
/** Message indexes longer than this are not taken for a path (no real schema nests this deep). */
const MAX_MESSAGE_INDEXES = 64;

/** The payload does not decode with its schema; the message says why. */
export class WireFormatError extends Error {}

/** The schema id of a record in the wire format, or null when the bytes do not start with its header. */
export function wireSchemaId(bytes: Uint8Array | null): number | null {
  if (bytes === null || bytes.length < WIRE_HEADER_BYTES || bytes[0] !== 0) return null;
  const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readInt32BE(1);
  return id > 0 ? id : null;
}

export interface DecodedPayload {
  /** The decoded value as pretty-printed JSON, exact. */
  text: string;
  /** Protobuf: the full name of the message the record holds. */
  message?: string;
}

export interface PayloadDecoder {
  /** Decodes the bytes after the 5-byte header; throws WireFormatError. */
  decode(payload: Uint8Array): DecodedPayload;
}

const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** Avro's JSON encoding of bytes as a JSON string literal, printable ASCII as is and every other byte as `\u00XX`. */
function avroBytesLiteral(bytes: Uint8Array): unknown {
  let out = '"';
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) out += String.fromCharCode(b);
    else out += `\\u00${b.toString(16).padStart(2, '0')}`;
  }
  return rawJSON(`${out}"`);
}

/** A decoded Avro value made JSON-printable without losing digits or bytes. */
function avroJson(v: unknown): unknown {
  if (typeof v === 'bigint') return rawJSON(v.toString());
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v instanceof Uint8Array) return avroBytesLiteral(v);
  if (Array.isArray(v)) return v.map(avroJson);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, avroJson(x)]));
  }
  return v;
}

function pretty(v: unknown): string {
  return JSON.stringify(v, null, 2);
}

/** avsc's long read as a BigInt (avsc refuses longs past 2^53 as numbers). */
const exactLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (n: number | string) => BigInt(n),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
}) as unknown as avro.Type;

function avroDecoder(text: string, refs: ResolvedReference[]): PayloadDecoder {
  const type = avroType(text, refs, { long: exactLong });
  return {
    decode(payload) {
      let value: unknown;
      try {
        value = type.fromBuffer(Buffer.from(payload.buffer, payload.byteOffset, payload.length));
      } catch (err) {
        throw new WireFormatError(`not Avro of this schema: ${(err as Error).message}`);
      }
      return { text: pretty(avroJson(value)) };
    },
  };
}

/** Reads Confluent's message indexes; null when the bytes are no such list. */
function readIndexes(reader: protobuf.Reader): number[] | null {
  try {
    const count = reader.sint32();
    if (count === 0) return [0];
    if (count < 0 || count > MAX_MESSAGE_INDEXES) return null;
    const indexes: number[] = [];
    for (let i = 0; i < count; i++) {
      const index = reader.sint32();
      if (index < 0) return null;
      indexes.push(index);
    }
    return indexes;
  } catch {
    return null;
  }
}

/** How to read a Protobuf schema's payloads: `first` is the file's first message (the indexes [0]). */
export interface ProtobufReader {
  first: protobuf.Type;
  /**
   * The message a payload (the bytes after the header) holds: Confluent's message indexes pick it; bytes that are no
   * valid index path plus message are read as the first message. Throws WireFormatError.
   */
  read(payload: Uint8Array): { type: protobuf.Type; message: protobuf.Message };
}

export function protobufReader(schema: ProtobufSchema): ProtobufReader {
  const prefix = schema.packageName ? `.${schema.packageName}.` : '.';
  // The file's top-level messages in declaration order (the first index); nested ones are each message's own.
  const topLevel = schema.messages
    .filter((name) => name.startsWith(prefix) && !name.slice(prefix.length).includes('.'))
    .map((name) => schema.root.lookupType(name));
  const first = topLevel[0];
  if (!first) throw new InvalidSchemaError('the schema declares no top-level message');
  const messageAt = (indexes: number[]): protobuf.Type | null => {
    let candidates = topLevel;
    let type: protobuf.Type | null = null;
    for (const index of indexes) {
      type = candidates[index] ?? null;
      if (!type) return null;
      candidates = type.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
    }
    return type;
  };
  return {
    first,
    read(payload) {
      const reader = protobuf.Reader.create(payload);
      const indexes = readIndexes(reader);
      const type = indexes ? messageAt(indexes) : null;
      if (type) {
        try {
          return { type, message: type.decode(reader) };
        } catch (err) {
          // A record without indexes starts with its first field's tag; it is tried below.
          if (payload[0] === 0) throw new WireFormatError(`not Protobuf of this schema: ${(err as Error).message}`);
        }
      }
      try {
        return { type: first, message: first.decode(payload) };
      } catch (err) {
        throw new WireFormatError(`not Protobuf of this schema: ${(err as Error).message}`);
      }
    },
  };
}

function protobufDecoder(text: string, refs: ResolvedReference[]): PayloadDecoder {
  const reader = protobufReader(protobufFormat.parse(text, refs));
  return {
    decode(payload) {
      const { type, message } = reader.read(payload);
      return {
        text: pretty(
          type.toObject(message, { longs: String, enums: String, bytes: String, defaults: true, json: true }),
        ),
        message: type.fullName.slice(1),
      };
    },
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function jsonSchemaDecoder(): PayloadDecoder {
  return {
    decode(payload) {
      let value: unknown;
      try {
        // Numbers keep the digits they were written with (a long id past 2^53 stays exact).
        value = JSON.parse(utf8.decode(payload), (_key, v, context?: { source?: string }) =>
          typeof v === 'number' && context?.source !== undefined ? rawJSON(context.source) : v,
        );
      } catch (err) {
        throw new WireFormatError(`not JSON text: ${(err as Error).message}`);
      }
      return { text: pretty(value) };
    },
  };
}

/**
 * A decoder for payloads written with this schema; `refs` are its transitive references, dependencies first.
 * Throws InvalidSchemaError when the schema does not parse.
 */
export function payloadDecoder(schemaType: SchemaType, schema: string, refs: ResolvedReference[]): PayloadDecoder {
  switch (schemaType) {
    case 'AVRO':
      return avroDecoder(schema, refs);
    case 'PROTOBUF':
      return protobufDecoder(schema, refs);
    case 'JSON':
      return jsonSchemaDecoder();
  }
}
