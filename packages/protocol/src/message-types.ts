/**
 * Request and response types derived from the API definitions themselves, as Kafka's message generator derives its
 * classes from the JSON schemas: a handler is `Handler<typeof Produce>` and tsc checks every field it reads or writes.
 *
 * Which fields a type requires, for an API implemented at versions lo..hi (inside a struct field, the versions of
 * lo..hi in which that field exists):
 * - Request (what the decoder produces): a field is required when every implemented version carries it, or when the
 *   definition gives it a `default` (the decoder fills that default for versions without it). Any other field is
 *   optional: the handler decides what its absence means instead of reading a silent zero.
 * - Response (what the encoder takes): a field of the newest version (hi) is required, untagged; tagged fields and
 *   fields only older versions carry are optional, and the encoder writes the definition's default for them where a
 *   version has the field and the handler left it out. A misspelled field is an excess property (a compile error in
 *   an object literal) and a forgotten one a missing property.
 * Values: int8..int32, uint16/32 and float64 are numbers, int64 is bigint, uuid and string are strings, bytes a
 * Buffer (any Uint8Array in a response), records a Buffer or null (a response may also give a list of chunks), and a
 * field nullable in some version may be null.
 */
import type { ApiDefinition, Field, FieldType, PrimitiveType } from './schema.ts';

type Tuple<N extends number, Acc extends unknown[] = []> = Acc['length'] extends N ? Acc : Tuple<N, [...Acc, 0]>;
/** A <= B for the small non-negative integers versions are. */
type Lte<A extends number, B extends number> = Tuple<B> extends [...Tuple<A>, ...0[]] ? true : false;

type Lowest<R extends string> = R extends `${infer L extends number}-${number}`
  ? L
  : R extends `${infer L extends number}`
    ? L
    : never;
type Highest<R extends string> = R extends `${number}-${infer H extends number}`
  ? H
  : R extends `${infer H extends number}`
    ? H
    : never;

/** Whether the version range R ("3+", "0-7", "5", "none") holds version V. */
type Holds<R, V extends number> = R extends `${infer L extends number}+`
  ? Lte<L, V>
  : R extends `${infer L extends number}-${infer H extends number}`
    ? Lte<L, V> extends true
      ? Lte<V, H>
      : false
    : R extends `${infer L extends number}`
      ? L extends V
        ? true
        : false
      : false;

/** The versions lo..hi narrowed to those in which a field with range R exists: a struct's fields are read there. */
type Max<A extends number, B extends number> = Lte<A, B> extends true ? B : A;
type Min<A extends number, B extends number> = Lte<A, B> extends true ? A : B;
type NarrowLo<R, Lo extends number> = R extends `${infer L extends number}+`
  ? Max<L, Lo>
  : R extends `${infer L extends number}-${number}`
    ? Max<L, Lo>
    : R extends `${infer L extends number}`
      ? Max<L, Lo>
      : Lo;
type NarrowHi<R, Hi extends number> = R extends `${number}-${infer H extends number}`
  ? Min<H, Hi>
  : R extends `${infer H extends number}`
    ? Min<H, Hi>
    : Hi;

type Direction = 'request' | 'response';

type PrimitiveValue<T extends PrimitiveType, D extends Direction> = T extends 'int64'
  ? bigint
  : T extends 'bool'
    ? boolean
    : T extends 'string' | 'uuid'
      ? string
      : T extends 'bytes'
        ? D extends 'request'
          ? Buffer
          : Uint8Array
        : T extends 'records'
          ? D extends 'request'
            ? Buffer | null
            : Uint8Array | readonly Buffer[] | null
          : number;

type ValueOf<T extends FieldType, D extends Direction, Lo extends number, Hi extends number> = T extends PrimitiveType
  ? PrimitiveValue<T, D>
  : T extends { readonly array: infer I extends FieldType }
    ? D extends 'request'
      ? ValueOf<I, D, Lo, Hi>[]
      : readonly ValueOf<I, D, Lo, Hi>[]
    : T extends { readonly struct: infer F extends readonly Field[] }
      ? StructOf<F, D, Lo, Hi>
      : never;

type FieldValue<F extends Field, D extends Direction, Lo extends number, Hi extends number> =
  | ValueOf<F['type'], D, NarrowLo<F['versions'], Lo>, NarrowHi<F['versions'], Hi>>
  | (F extends { readonly nullable: string } ? null : never);

type IsRequired<F extends Field, D extends Direction, Lo extends number, Hi extends number> = D extends 'request'
  ? F extends { readonly default: unknown }
    ? true
    : Holds<F['versions'], Lo> extends true
      ? Holds<F['versions'], Hi>
      : false
  : F extends { readonly tag: number }
    ? false
    : Holds<F['versions'], Hi>;

type RequiredNames<Fs extends readonly Field[], D extends Direction, Lo extends number, Hi extends number> = {
  [K in keyof Fs]: Fs[K] extends Field ? (IsRequired<Fs[K], D, Lo, Hi> extends true ? Fs[K]['name'] : never) : never;
}[number];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The object a struct of fields decodes to (request) or is encoded from (response). */
export type StructOf<Fs extends readonly Field[], D extends Direction, Lo extends number, Hi extends number> = Simplify<
  {
    [F in Fs[number] as F['name'] extends RequiredNames<Fs, D, Lo, Hi> ? F['name'] : never]: FieldValue<F, D, Lo, Hi>;
  } & {
    [F in Fs[number] as F['name'] extends RequiredNames<Fs, D, Lo, Hi> ? never : F['name']]?: FieldValue<F, D, Lo, Hi>;
  }
>;

type LowestOf<A extends ApiDefinition> = Lowest<A['versions']>;
type HighestOf<A extends ApiDefinition> = Highest<A['versions']>;

/** A decoded request body of API A, at any version A implements. */
export type RequestOf<A extends ApiDefinition> = StructOf<A['request'], 'request', LowestOf<A>, HighestOf<A>>;

/** A response body of API A that the encoder can write at any version A implements. */
export type ResponseOf<A extends ApiDefinition> = StructOf<A['response'], 'response', LowestOf<A>, HighestOf<A>>;
