/** Records through the schema registry: the processor host's lookups and the decoding and encoding around a call. */
export { decodeRecords, encodeResults } from './schema-codec.ts';
export {
  SchemaLookup,
  type SchemaLookupLimits,
  type SchemaRegistryEndpoint,
  SchemaRegistryUnavailable,
} from './schema-lookup.ts';
