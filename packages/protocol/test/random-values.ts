/** Test support: random values that fit a definition at a version, for round-trip and fuzz tests. */
import { type Field, inRange } from '../src/index.ts';
import type { FieldType } from '../src/schema.ts';

function pick<T>(xs: readonly T[], rnd: () => number): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomType(type: FieldType, version: number, flexible: boolean, rnd: () => number, depth: number): unknown {
  if (typeof type === 'string') {
    switch (type) {
      case 'int8':
        return Math.floor(rnd() * 256) - 128;
      case 'int16':
        return Math.floor(rnd() * 65536) - 32768;
      case 'uint16':
        return Math.floor(rnd() * 65536);
      case 'int32':
        return (Math.floor(rnd() * 2 ** 32) | 0) as number;
      case 'uint32':
        return Math.floor(rnd() * 2 ** 32);
      case 'int64':
        return BigInt.asIntN(64, BigInt(Math.floor(rnd() * 2 ** 53)) * BigInt(Math.floor(rnd() * 4096) - 2048));
      case 'float64':
        return rnd() * 1000;
      case 'bool':
        return rnd() < 0.5;
      case 'string':
        return pick(['', 'orders', 'ünïcødé-topic', 'a'.repeat(300)], rnd);
      case 'bytes':
      case 'records':
        return Buffer.from(Array.from({ length: Math.floor(rnd() * 20) }, () => Math.floor(rnd() * 256)));
      case 'uuid':
        return pick(['00000000-0000-0000-0000-000000000000', '5f0c6a2e-8d1b-4a8e-9b7c-1e2d3f4a5b6c'], rnd);
    }
  }
  if ('array' in type) {
    const n = depth > 3 ? 0 : Math.floor(rnd() * 3);
    return Array.from({ length: n }, () => randomType(type.array, version, flexible, rnd, depth + 1));
  }
  return randomStruct(type.struct, version, flexible, rnd, depth + 1);
}

/** A random value holding only the fields present at `version`. */
export function randomStruct(
  fields: readonly Field[],
  version: number,
  flexible: boolean,
  rnd: () => number,
  depth = 0,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (!inRange(field.versions, version)) continue;
    if (field.tag !== undefined && !flexible) continue;
    if (inRange(field.nullable, version) && rnd() < 0.2) {
      out[field.name] = null;
      continue;
    }
    out[field.name] = randomType(field.type, version, flexible, rnd, depth);
  }
  return out;
}

/** Drops fields a version does not carry so a decoded value (which fills defaults) can be compared. */
export function presentOnly(fields: readonly Field[], version: number, flexible: boolean, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (!inRange(field.versions, version)) continue;
    if (field.tag !== undefined && !flexible) continue;
    out[field.name] = presentType(field.type, version, flexible, obj[field.name]);
  }
  return out;
}

function presentType(type: FieldType, version: number, flexible: boolean, v: unknown): unknown {
  if (v === null || typeof type === 'string') return Buffer.isBuffer(v) ? Buffer.from(v) : v;
  if ('array' in type) return (v as unknown[]).map((x) => presentType(type.array, version, flexible, x));
  return presentOnly(type.struct, version, flexible, v);
}
