/**
 * The vocabulary in which every Kafka API is described once: fields carry version ranges, and the codec derives the
 * encoder and decoder for each version from this data (as Kafka's own message JSON files do). Field names are the
 * camelCase form of Kafka's names so the definitions read side by side with the official schemas.
 */

/** A version range as Kafka writes it: "3+", "0-7", "5" or "none". */
export type VersionRange = string;

export type PrimitiveType =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'uuid'
  | 'records';

export type FieldType = PrimitiveType | { array: FieldType } | { struct: Field[] };

export interface Field {
  name: string;
  type: FieldType;
  versions: VersionRange;
  /** Versions in which the value may be null (strings, bytes, records, arrays, structs). */
  nullable?: VersionRange;
  /** Tag number: the field is a tagged field in `taggedVersions` (flexible versions only). */
  tag?: number;
  taggedVersions?: VersionRange;
  /** Value used when a version does not carry the field. */
  default?: unknown;
}

export interface ApiDefinition {
  key: number;
  name: string;
  /** Versions this broker implements (a subset of the protocol's valid versions). */
  versions: VersionRange;
  /** First flexible version per the protocol, or "none". */
  flexible: VersionRange;
  request: Field[];
  response: Field[];
}

interface FieldOptions {
  nullable?: VersionRange;
  default?: unknown;
  tag?: number;
  taggedVersions?: VersionRange;
}

function field(name: string, type: FieldType, versions: VersionRange, opts: FieldOptions = {}): Field {
  return { name, type, versions, ...opts };
}

/** Builders that keep definitions short and uniform. */
export const f = {
  int8: (name: string, versions: VersionRange, opts?: FieldOptions) => field(name, 'int8', versions, opts),
  int16: (name: string, versions: VersionRange, opts?: FieldOptions) => field(name, 'int16', versions, opts),
  uint16: (name: string, versions: VersionRange, opts?: FieldOptions) => field(name, 'uint16', versions, opts),
  int32: (name: string, versions: VersionRange, opts?: FieldOptions) => field(name, 'int32', versions, opts),
  uint32: (name: string, versions: VersionRange, opts?: FieldOptions) => field(name, 'uint32', versions, opts),
  int64: (name: string, versions: VersionRange, opts?: FieldOptions) => field(name, 'int64', versions, opts),
  float64: (name: string, versions: VersionRange, opts?: FieldOptions) => field(name, 'float64', versions, opts),
  bool: (name: string, versions: VersionRange, opts?: FieldOptions) => field(name, 'bool', versions, opts),
  string: (name: string, versions: VersionRange, opts?: FieldOptions) => field(name, 'string', versions, opts),
  bytes: (name: string, versions: VersionRange, opts?: FieldOptions) => field(name, 'bytes', versions, opts),
  uuid: (name: string, versions: VersionRange, opts?: FieldOptions) => field(name, 'uuid', versions, opts),
  records: (name: string, versions: VersionRange, opts?: FieldOptions) => field(name, 'records', versions, opts),
  /** An array of primitives, e.g. f.array('replicaNodes', '0+', 'int32'). */
  array: (name: string, versions: VersionRange, items: PrimitiveType, opts?: FieldOptions) =>
    field(name, { array: items }, versions, opts),
  /** An array of structs. */
  structs: (name: string, versions: VersionRange, fields: Field[], opts?: FieldOptions) =>
    field(name, { array: { struct: fields } }, versions, opts),
  /** A single nested struct. */
  struct: (name: string, versions: VersionRange, fields: Field[], opts?: FieldOptions) =>
    field(name, { struct: fields }, versions, opts),
};

/** Parses "3+", "0-7", "5" or "none" into inclusive bounds; `none` is [1, 0] (empty). */
export function parseRange(range: VersionRange): [number, number] {
  if (range === 'none') return [1, 0];
  const plus = /^(\d+)\+$/.exec(range);
  if (plus) return [Number(plus[1]), Number.MAX_SAFE_INTEGER];
  const span = /^(\d+)-(\d+)$/.exec(range);
  if (span) return [Number(span[1]), Number(span[2])];
  if (/^\d+$/.test(range)) return [Number(range), Number(range)];
  throw new Error(`bad version range: ${range}`);
}

export function inRange(range: VersionRange | undefined, version: number): boolean {
  if (range === undefined) return false;
  const [lo, hi] = parseRange(range);
  return version >= lo && version <= hi;
}

export function defineApi(def: ApiDefinition): ApiDefinition {
  return def;
}
