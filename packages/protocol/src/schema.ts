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

export type FieldType = PrimitiveType | { readonly array: FieldType } | { readonly struct: readonly Field[] };

export interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly versions: VersionRange;
  /** Versions in which the value may be null (strings, bytes, records, arrays, structs). */
  readonly nullable?: VersionRange;
  /** Tag number: the field is a tagged field in `taggedVersions` (flexible versions only). */
  readonly tag?: number;
  readonly taggedVersions?: VersionRange;
  /** Value used when a version does not carry the field. */
  readonly default?: unknown;
}

/**
 * An API as data. `versions` is always "lo-hi" or a single version: the types derived below (messages-types.ts)
 * read the bounds from the literal, so `defineApi` keeps every literal of the definition.
 */
export interface ApiDefinition {
  readonly key: number;
  readonly name: string;
  /** Versions this broker implements (a subset of the protocol's valid versions). */
  readonly versions: VersionRange;
  /** First flexible version per the protocol, or "none". */
  readonly flexible: VersionRange;
  readonly request: readonly Field[];
  readonly response: readonly Field[];
}

export interface FieldOptions {
  readonly nullable?: VersionRange;
  readonly default?: unknown;
  readonly tag?: number;
  readonly taggedVersions?: VersionRange;
}

/** What a builder's options are when none are given. */
type NoOptions = Record<never, never>;

/** A field whose name, type, versions and options keep their literal types, so messages can be typed from it. */
export type TypedField<N extends string, T extends FieldType, V extends VersionRange, O extends FieldOptions> = {
  readonly name: N;
  readonly type: T;
  readonly versions: V;
} & O;

function field<N extends string, T extends FieldType, V extends VersionRange, O extends FieldOptions>(
  name: N,
  type: T,
  versions: V,
  opts: O | undefined,
): TypedField<N, T, V, O> {
  return { name, type, versions, ...opts } as TypedField<N, T, V, O>;
}

type Builder<T extends PrimitiveType> = <
  const N extends string,
  const V extends VersionRange,
  const O extends FieldOptions = NoOptions,
>(
  name: N,
  versions: V,
  opts?: O,
) => TypedField<N, T, V, NoInfer<O>>;

function primitive<T extends PrimitiveType>(type: T): Builder<T> {
  return (name, versions, opts) => field(name, type, versions, opts);
}

type Composite<K extends 'struct' | 'structs', F> = K extends 'struct'
  ? { readonly struct: F }
  : { readonly array: { readonly struct: F } };

type CompositeBuilder<K extends 'struct' | 'structs'> = <
  const N extends string,
  const V extends VersionRange,
  const F extends readonly Field[],
  const O extends FieldOptions = NoOptions,
>(
  name: N,
  versions: V,
  fields: F,
  opts?: O,
) => TypedField<N, Composite<K, F>, V, NoInfer<O>>;

function composite<K extends 'struct' | 'structs'>(kind: K): CompositeBuilder<K> {
  return (name, versions, fields, opts) => {
    const type = kind === 'struct' ? { struct: fields } : { array: { struct: fields } };
    return field(name, type as Composite<K, typeof fields>, versions, opts);
  };
}

/** Builders that keep definitions short and uniform (and their literals, for the derived message types). */
export const f = {
  int8: primitive('int8'),
  int16: primitive('int16'),
  uint16: primitive('uint16'),
  int32: primitive('int32'),
  uint32: primitive('uint32'),
  int64: primitive('int64'),
  float64: primitive('float64'),
  bool: primitive('bool'),
  string: primitive('string'),
  bytes: primitive('bytes'),
  uuid: primitive('uuid'),
  records: primitive('records'),
  /** An array of primitives, e.g. f.array('replicaNodes', '0+', 'int32'). */
  array: <
    const N extends string,
    const V extends VersionRange,
    const I extends PrimitiveType,
    const O extends FieldOptions = NoOptions,
  >(
    name: N,
    versions: V,
    items: I,
    opts?: O,
  ): TypedField<N, { readonly array: I }, V, NoInfer<O>> =>
    field(name, { array: items } as { readonly array: I }, versions, opts),
  /** An array of structs. */
  structs: composite('structs'),
  /** A single nested struct. */
  struct: composite('struct'),
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

/** Keeps the definition's literal types: `typeof Produce` is what RequestOf/ResponseOf read. */
export function defineApi<const D extends ApiDefinition>(def: D): D {
  return def;
}
