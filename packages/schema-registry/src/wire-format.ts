/**
 * Confluent's wire format for the hub's own readers and writers of registry-encoded records (the processor host):
 * values in and out, where wire.ts renders records as text for people. The header, the schema id and the Protobuf
 * message reading (Confluent's message indexes, or the first message when a writer left them out) are wire.ts's;
 * schemas are parsed with the registry's own formats (./formats: avsc, protobufjs, Ajv), and a parsed schema is
 * kept per schema object (a WeakMap), so the caller's cache of schemas decides how long.
 *
 * `decode(bytes, lookupById)` and `encode(value, schema)` throw WireFormatError with the reason; they never fall
 * back to another schema. Protobuf is written with the file's first message and the indexes [0] (one 0 byte), as
 * Confluent's serializers write it.
 */
import type avro from 'avsc';
import type protobuf from 'protobufjs';
import type { AvroSchema } from './formats/avro.ts';
import { FORMATS, type ParsedSchema, type ResolvedReference, type SchemaType } from './formats/index.ts';
import type { JsonSchema } from './formats/json-schema.ts';
import type { ProtobufSchema } from './formats/protobuf.ts';
import { protobufReader, WIRE_HEADER_BYTES, WireFormatError, wireSchemaId } from './wire.ts';

export { WireFormatError, wireSchemaId } from './wire.ts';

/** A registered schema by id, its references resolved (dependencies first), as a reader of the wire format needs it. */
export interface WireSchema {
  id: number;
  schemaType: SchemaType;
  schema: string;
  references: ResolvedReference[];
}

/** Deepest value walked for Avro bytes. */
const MAX_DEPTH = 64;

interface Codec {
  decode(payload: Buffer): unknown;
  encode(value: unknown): Buffer;
}

const codecs = new WeakMap<WireSchema, Codec>();

function codecOf(schema: WireSchema): Codec {
  let codec = codecs.get(schema);
  if (!codec) {
    try {
      const parsed: ParsedSchema = FORMATS[schema.schemaType].parse(schema.schema, schema.references);
      if (schema.schemaType === 'AVRO') codec = avroCodec(parsed as AvroSchema);
      else if (schema.schemaType === 'PROTOBUF') codec = protobufCodec(parsed as ProtobufSchema);
      else codec = jsonCodec(parsed as JsonSchema);
    } catch (err) {
      throw new WireFormatError(`schema ${schema.id} (${schema.schemaType}) does not parse: ${(err as Error).message}`);
    }
    codecs.set(schema, codec);
  }
  return codec;
}

/**
 * Decodes bytes in the wire format with the schema `lookupById` finds (null: not registered); answers the schema
 * and the decoded value. Avro decodes with avsc's defaults (records as objects, `long` as a number, `bytes` as
 * Buffers, unambiguous unions unwrapped); Protobuf as protobufjs's toObject with defaults, 64-bit integers and
 * enums as strings; JSON as parsed text.
 */
export async function decode<S extends WireSchema>(
  bytes: Uint8Array,
  lookupById: (id: number) => Promise<S | null>,
): Promise<{ schema: S; data: unknown }> {
  const id = wireSchemaId(bytes);
  if (id === null) {
    throw new WireFormatError('not in the schema registry wire format (magic byte 0 and a 4-byte schema id)');
  }
  const schema = await lookupById(id);
  if (schema === null) throw new WireFormatError(`schema id ${id} is not registered`);
  const codec = codecOf(schema);
  const payload = Buffer.from(bytes.buffer, bytes.byteOffset + WIRE_HEADER_BYTES, bytes.byteLength - WIRE_HEADER_BYTES);
  try {
    return { schema, data: codec.decode(payload) };
  } catch (err) {
    if (err instanceof WireFormatError) throw err;
    throw new WireFormatError(
      `the bytes do not decode with schema ${id} (${schema.schemaType}): ${(err as Error).message}`,
    );
  }
}

/** Encodes `value` with `schema` into the wire format; a value that does not fit the schema throws with where. */
export function encode(value: unknown, schema: WireSchema): Buffer {
  const body = codecOf(schema).encode(value);
  const header = Buffer.alloc(WIRE_HEADER_BYTES);
  header.writeInt32BE(schema.id, 1);
  return Buffer.concat([header, body]);
}

function doesNotFit(type: string, problem: string): WireFormatError {
  return new WireFormatError(`the value does not fit the ${type} schema: ${problem}`);
}

function avroCodec(parsed: AvroSchema): Codec {
  const type = parsed.type;
  return {
    decode: (payload) => type.fromBuffer(payload),
    encode(value) {
      const input = withBuffers(value, 0);
      let problem: string | null = null;
      type.isValid(input, {
        errorHook(path: string[], v: unknown, t: avro.Type) {
          problem ??= `${path.length > 0 ? path.join('.') : 'the value'}: ${shown(v)} is not a valid ${expected(t)}`;
        },
      });
      if (problem !== null) throw doesNotFit('Avro', problem);
      return type.toBuffer(input);
    },
  };
}

/** avsc takes Buffers for `bytes` and `fixed`: the same bytes as Buffers, without copying. */
function withBuffers(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map((v) => withBuffers(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withBuffers(v, depth + 1);
  return out;
}

function expected(t: avro.Type): string {
  const symbols = (t as { symbols?: string[] }).symbols;
  return `${t.name ?? t.typeName}${Array.isArray(symbols) ? ` (one of ${symbols.join(', ')})` : ''}`;
}

function shown(v: unknown): string {
  if (v === undefined) return 'missing';
  try {
    return JSON.stringify(v)?.slice(0, 100) ?? String(v);
  } catch {
    return typeof v;
  }
}

function protobufCodec(parsed: ProtobufSchema): Codec {
  const reader = protobufReader(parsed);
  return {
    decode(payload) {
      const { type, message } = reader.read(payload);
      return type.toObject(message, { longs: String, enums: String, defaults: true });
    },
    /** With the schema's first message (Confluent's serializers' default), indexes [0]. */
    encode(value) {
      const type = reader.first;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw doesNotFit('Protobuf', `${type.name} is a message: give an object`);
      }
      const unknown = Object.keys(value).filter((k) => !type.fields[k]);
      if (unknown.length > 0) throw doesNotFit('Protobuf', `${type.name} has no field ${unknown.join(', ')}`);
      let message: protobuf.Message;
      try {
        message = type.fromObject(value as Record<string, unknown>);
      } catch (err) {
        throw doesNotFit('Protobuf', (err as Error).message);
      }
      const problem = type.verify(message);
      if (problem) throw doesNotFit('Protobuf', problem);
      return Buffer.concat([Buffer.of(0), type.encode(message).finish()]);
    },
  };
}

function jsonCodec(parsed: JsonSchema): Codec {
  return {
    decode: (payload) => JSON.parse(payload.toString('utf8')),
    encode(value) {
      if (!parsed.validate(value)) {
        const e = parsed.validate.errors?.[0];
        throw doesNotFit('JSON', e ? `${e.instancePath || 'the value'} ${e.message ?? 'is not valid'}` : 'not valid');
      }
      const text = JSON.stringify(value);
      if (text === undefined) throw doesNotFit('JSON', 'the value has no JSON form');
      return Buffer.from(text, 'utf8');
    },
  };
}
