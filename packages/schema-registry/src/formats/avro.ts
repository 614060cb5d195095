/**
 * Avro schemas with avsc: parsing validates names, types and defaults; a reader can read a writer exactly when
 * avsc's resolver (`reader.createResolver(writer)`, the Avro specification's schema resolution) can be built.
 */
import avro from 'avsc';
import { InvalidSchemaError, type ParsedSchema, type ResolvedReference, type SchemaFormat } from './types.ts';

export interface AvroSchema extends ParsedSchema {
  type: avro.Type;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // A bare name such as `string` is not JSON but is a valid Avro schema for a primitive.
    if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(text.trim())) return text.trim();
    throw new InvalidSchemaError(`not JSON: ${(err as Error).message}`);
  }
}

/**
 * The avsc type of `text`, its references' named types registered first. `types` replaces avsc's own types by name
 * (the record decoder's exact `long`); the compatibility check uses avsc's.
 */
export function avroType(text: string, refs: ResolvedReference[], types: Record<string, avro.Type> = {}): avro.Type {
  const registry: Record<string, avro.Type> = { ...types };
  const json = parseJson(text);
  try {
    for (const ref of refs) {
      if (ref.schemaType !== 'AVRO') throw new InvalidSchemaError(`reference ${ref.name} is not an Avro schema`);
      avro.Type.forSchema(parseJson(ref.schema) as avro.Schema, { registry });
    }
    return avro.Type.forSchema(json as avro.Schema, { registry });
  } catch (err) {
    if (err instanceof InvalidSchemaError) throw err;
    throw new InvalidSchemaError((err as Error).message);
  }
}

export const avroFormat: SchemaFormat<AvroSchema> = {
  parse(text, refs: ResolvedReference[]) {
    const type = avroType(text, refs);
    return { schemaType: 'AVRO', canonical: JSON.stringify(parseJson(text)), type };
  },
  readerProblems(reader, writer) {
    try {
      reader.type.createResolver(writer.type);
      return [];
    } catch (err) {
      return [`reader cannot read writer: ${(err as Error).message}`];
    }
  },
};
