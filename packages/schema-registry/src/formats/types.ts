/** What the registry needs of a schema format: parse (with references) into a canonical text, and tell whether a reader schema can read what a writer schema wrote. */
export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';
export const SCHEMA_TYPES: readonly SchemaType[] = ['JSON', 'PROTOBUF', 'AVRO'];

/** A referenced schema, resolved to its text; `references` are resolved before it (dependencies first). */
export interface ResolvedReference {
  /** Avro: the full name of a named type; Protobuf: the import path; JSON: the `$ref` URL. */
  name: string;
  schemaType: SchemaType;
  schema: string;
}

export interface ParsedSchema {
  schemaType: SchemaType;
  /** The text the registry stores and serves. */
  canonical: string;
}

export interface SchemaFormat<P extends ParsedSchema> {
  /** Throws InvalidSchemaError with the reason. `refs` are the transitive references, dependencies first. */
  parse(text: string, refs: ResolvedReference[]): P;
  /** The reasons data written with `writer` cannot be read with `reader`; empty when it can. */
  readerProblems(reader: P, writer: P): string[];
}

export class InvalidSchemaError extends Error {}
