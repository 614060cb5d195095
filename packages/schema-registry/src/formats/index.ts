/** The schema formats the registry knows, by Confluent's `schemaType` name. */
import { avroFormat } from './avro.ts';
import { jsonSchemaFormat } from './json-schema.ts';
import { protobufFormat } from './protobuf.ts';
import type { ParsedSchema, SchemaFormat, SchemaType } from './types.ts';

export const FORMATS: Record<SchemaType, SchemaFormat<ParsedSchema>> = {
  AVRO: avroFormat as unknown as SchemaFormat<ParsedSchema>,
  PROTOBUF: protobufFormat as unknown as SchemaFormat<ParsedSchema>,
  JSON: jsonSchemaFormat as unknown as SchemaFormat<ParsedSchema>,
};

export {
  InvalidSchemaError,
  SCHEMA_TYPES,
  type ParsedSchema,
  type ResolvedReference,
  type SchemaType,
} from './types.ts';
