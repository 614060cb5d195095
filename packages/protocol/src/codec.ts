/**
 * Derives a decoder and an encoder for every version of a message from its field list (see schema.ts). Each
 * (fields, version) pair is compiled once into a flat plan and cached; encoding and decoding walk that plan.
 */
import { assertDecode, ProtocolEncodeError } from './errors.ts';
import { ByteReader } from './reader.ts';
import { type Field, type FieldType, inRange, type PrimitiveType } from './schema.ts';
import { ByteWriter } from './writer.ts';

/** Upper bound on array lengths we will accept while decoding (elements, not bytes). */
const MAX_ARRAY_ELEMENTS = 1_000_000;
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

type Plan = PrimitivePlan | ArrayPlan | StructPlan;
interface PrimitivePlan {
  kind: PrimitiveType;
}
interface ArrayPlan {
  kind: 'array';
  items: Plan;
}
interface StructPlan {
  kind: 'struct';
  flexible: boolean;
  fields: FieldPlan[];
  tagged: FieldPlan[];
  absent: { name: string; value: () => unknown }[];
}
interface FieldPlan {
  name: string;
  plan: Plan;
  nullable: boolean;
  tag: number;
  defaultValue: () => unknown;
}

const cache = new WeakMap<readonly Field[], Map<string, StructPlan>>();

export function compile(fields: readonly Field[], version: number, flexible: boolean): StructPlan {
  let byVersion = cache.get(fields);
  if (!byVersion) {
    byVersion = new Map();
    cache.set(fields, byVersion);
  }
  const key = `${version}:${flexible}`;
  let plan = byVersion.get(key);
  if (!plan) {
    plan = compileStruct(fields, version, flexible);
    byVersion.set(key, plan);
  }
  return plan;
}

function compileStruct(fields: readonly Field[], version: number, flexible: boolean): StructPlan {
  const plan: StructPlan = { kind: 'struct', flexible, fields: [], tagged: [], absent: [] };
  for (const field of fields) {
    const present = inRange(field.versions, version);
    const isTagged = field.tag !== undefined && flexible && inRange(field.taggedVersions ?? field.versions, version);
    if (!present) {
      plan.absent.push({ name: field.name, value: defaultFor(field, version, flexible) });
      continue;
    }
    const fp: FieldPlan = {
      name: field.name,
      plan: compileType(field.type, version, flexible),
      nullable: inRange(field.nullable, version),
      tag: field.tag ?? -1,
      defaultValue: defaultFor(field, version, flexible),
    };
    if (isTagged) plan.tagged.push(fp);
    else if (field.tag === undefined) plan.fields.push(fp);
    else plan.absent.push({ name: field.name, value: fp.defaultValue });
  }
  plan.tagged.sort((a, b) => a.tag - b.tag);
  return plan;
}

function compileType(type: FieldType, version: number, flexible: boolean): Plan {
  if (typeof type === 'string') return { kind: type };
  if ('array' in type) return { kind: 'array', items: compileType(type.array, version, flexible) };
  return compileStruct(type.struct, version, flexible);
}

function defaultFor(field: Field, version: number, flexible: boolean): () => unknown {
  if (field.default !== undefined) {
    const v = field.default;
    // A list default is copied for each message, so no decoded request shares (and could change) another's.
    if (Array.isArray(v)) return () => [...v];
    return () => v;
  }
  const type = field.type;
  if (typeof type === 'string') {
    switch (type) {
      case 'int64':
        return () => 0n;
      case 'bool':
        return () => false;
      case 'string':
        return () => '';
      case 'bytes':
        return () => Buffer.alloc(0);
      case 'records':
        return () => null;
      case 'uuid':
        return () => ZERO_UUID;
      default:
        return () => 0;
    }
  }
  if ('array' in type) return () => [];
  const sub = type.struct;
  return () => decodeDefaults(compile(sub, version, flexible));
}

function decodeDefaults(plan: StructPlan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const fp of plan.fields) out[fp.name] = fp.defaultValue();
  for (const fp of plan.tagged) out[fp.name] = fp.defaultValue();
  for (const a of plan.absent) out[a.name] = a.value();
  return out;
}

// ---------------------------------------------------------------- decode

export function decodeStruct(r: ByteReader, plan: StructPlan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of plan.absent) out[a.name] = a.value();
  for (const fp of plan.fields) out[fp.name] = decodeValue(r, fp.plan, fp.nullable, plan.flexible);
  for (const fp of plan.tagged) out[fp.name] = fp.defaultValue();
  if (plan.flexible) decodeTaggedFields(r, plan, out);
  return out;
}

function decodeTaggedFields(r: ByteReader, plan: StructPlan, out: Record<string, unknown>): void {
  const count = r.uvarint();
  let lastTag = -1;
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    assertDecode(tag > lastTag, `tagged fields out of order: ${tag} after ${lastTag}`);
    lastTag = tag;
    const size = r.uvarint();
    const known = plan.tagged.find((t) => t.tag === tag);
    if (!known) {
      r.skip(size);
      continue;
    }
    const sub = new ByteReader(r.buf, r.offset, r.offset + size);
    assertDecode(sub.end <= r.end, 'tagged field runs past its container');
    out[known.name] = decodeValue(sub, known.plan, known.nullable, plan.flexible);
    r.skip(size);
  }
}

function decodeLength(r: ByteReader, flexible: boolean, wide: boolean): number {
  if (flexible) return r.uvarint() - 1;
  return wide ? r.int32() : r.int16();
}

function decodeValue(r: ByteReader, plan: Plan, nullable: boolean, flexible: boolean): unknown {
  switch (plan.kind) {
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'uint16':
      return r.uint16();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
      return r.int64();
    case 'float64':
      return r.float64();
    case 'bool':
      return r.bool();
    case 'uuid':
      return r.uuid();
    case 'string': {
      const n = decodeLength(r, flexible, false);
      if (n < 0) {
        assertDecode(nullable && n === -1, 'null string in a non-nullable field');
        return null;
      }
      return r.utf8(n);
    }
    case 'bytes':
    case 'records': {
      const n = decodeLength(r, flexible, true);
      if (n < 0) {
        assertDecode((nullable || plan.kind === 'records') && n === -1, 'null bytes in a non-nullable field');
        return null;
      }
      return r.bytesView(n);
    }
    case 'array': {
      const n = decodeLength(r, flexible, true);
      if (n < 0) {
        assertDecode(nullable && n === -1, 'null array in a non-nullable field');
        return null;
      }
      assertDecode(n <= MAX_ARRAY_ELEMENTS && n <= r.remaining(), `array length ${n} exceeds the frame`);
      const items: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) items[i] = decodeValue(r, plan.items, false, flexible);
      return items;
    }
    case 'struct': {
      if (nullable) {
        const marker = r.int8();
        if (marker < 0) return null;
      }
      return decodeStruct(r, plan);
    }
  }
}

// ---------------------------------------------------------------- encode

export function encodeStruct(w: ByteWriter, plan: StructPlan, value: Record<string, unknown>): void {
  for (const fp of plan.fields) {
    const v = value[fp.name];
    encodeValue(w, fp.plan, v === undefined ? fp.defaultValue() : v, fp.nullable, plan.flexible, fp.name);
  }
  if (!plan.flexible) return;
  const tagged: { tag: number; bytes: Buffer }[] = [];
  for (const fp of plan.tagged) {
    const v = value[fp.name];
    if (v === undefined || isDefault(v, fp.defaultValue())) continue;
    const sub = new ByteWriter(64);
    encodeValue(sub, fp.plan, v, fp.nullable, true, fp.name);
    tagged.push({ tag: fp.tag, bytes: sub.toBuffer() });
  }
  w.uvarint(tagged.length);
  for (const t of tagged) {
    w.uvarint(t.tag);
    w.uvarint(t.bytes.length);
    w.raw(t.bytes);
  }
}

/**
 * Whether a tagged field's value equals its default, so it is left out as Kafka does. Structs compare field by field
 * (a missing field counts as its default): decoding fills absent tagged structs with their defaults, and re-encoding
 * must not add them back.
 */
function isDefault(v: unknown, d: unknown): boolean {
  if (v === d) return true;
  if (Array.isArray(v) && Array.isArray(d)) return v.length === 0 && d.length === 0;
  if (Buffer.isBuffer(v) && Buffer.isBuffer(d)) return v.equals(d);
  if (isPlainObject(v) && isPlainObject(d)) {
    for (const key of Object.keys(d)) {
      const field = v[key];
      if (field !== undefined && !isDefault(field, d[key])) return false;
    }
    return true;
  }
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function encodeLength(w: ByteWriter, n: number, flexible: boolean, wide: boolean): void {
  if (flexible) w.uvarint(n + 1);
  else if (wide) w.int32(n);
  else w.int16(n);
}

function encodeValue(w: ByteWriter, plan: Plan, v: unknown, nullable: boolean, flexible: boolean, name: string): void {
  switch (plan.kind) {
    case 'int8':
      w.int8(Number(v));
      return;
    case 'int16':
      w.int16(Number(v));
      return;
    case 'uint16':
      w.uint16(Number(v));
      return;
    case 'int32':
      w.int32(Number(v));
      return;
    case 'uint32':
      w.uint32(Number(v));
      return;
    case 'int64':
      w.int64(typeof v === 'bigint' ? v : BigInt(v as number));
      return;
    case 'float64':
      w.float64(Number(v));
      return;
    case 'bool':
      w.bool(Boolean(v));
      return;
    case 'uuid':
      w.uuid((v as string | null) ?? ZERO_UUID);
      return;
    case 'string': {
      if (v === null) {
        if (!nullable) throw new ProtocolEncodeError(`field ${name} is not nullable in this version`);
        encodeLength(w, -1, flexible, false);
        return;
      }
      const s = String(v);
      const n = Buffer.byteLength(s, 'utf8');
      if (n > 0x7fff) throw new ProtocolEncodeError(`field ${name}: string longer than 32767 bytes`);
      encodeLength(w, n, flexible, false);
      w.utf8(s);
      return;
    }
    case 'bytes':
    case 'records': {
      if (v === null) {
        if (!nullable && plan.kind === 'bytes') throw new ProtocolEncodeError(`field ${name} is not nullable`);
        encodeLength(w, -1, flexible, true);
        return;
      }
      if (Array.isArray(v)) {
        // A list of chunks (e.g. record batches read from several segment files) is written as one field.
        const chunks = v as Buffer[];
        let total = 0;
        for (const c of chunks) total += c.length;
        encodeLength(w, total, flexible, true);
        for (const c of chunks) w.raw(c);
        return;
      }
      const b = v as Uint8Array;
      encodeLength(w, b.length, flexible, true);
      w.raw(b);
      return;
    }
    case 'array': {
      if (v === null) {
        if (!nullable) throw new ProtocolEncodeError(`field ${name} is not nullable in this version`);
        encodeLength(w, -1, flexible, true);
        return;
      }
      const items = v as unknown[];
      encodeLength(w, items.length, flexible, true);
      for (const item of items) encodeValue(w, plan.items, item, false, flexible, name);
      return;
    }
    case 'struct': {
      if (nullable) {
        if (v === null) {
          w.int8(-1);
          return;
        }
        w.int8(1);
      }
      encodeStruct(w, plan, (v ?? {}) as Record<string, unknown>);
      return;
    }
  }
}
