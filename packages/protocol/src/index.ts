/** @samsa/protocol: the Kafka wire protocol as data, with derived codecs, framing and RecordBatch v2. */
export * from './apis/index.ts';
export { compile, decodeStruct, encodeStruct, ZERO_UUID } from './codec.ts';
export * from './consumer-protocol.ts';
export { crc32c } from './crc32c.ts';
export { ErrorCode, type ErrorCodeValue } from './error-codes.ts';
export { assertDecode, ProtocolDecodeError, ProtocolEncodeError } from './errors.ts';
export { FrameAssembler, FrameTooLargeError } from './frame.ts';
export * from './messages.ts';
export { ByteReader } from './reader.ts';
export * from './records/batch.ts';
export { type ApiDefinition, defineApi, type Field, f, inRange, parseRange, type VersionRange } from './schema.ts';
export { ByteWriter } from './writer.ts';
export type { RequestOf, ResponseOf, StructOf } from './message-types.ts';
