/**
 * Request and response messages on the wire: headers (request v1/v2, response v0/v1) and bodies derived from each
 * API's definition. Both directions are here so clients (tests, the benchmark load generator) and the broker share
 * one codec.
 */
import { compile, decodeStruct, encodeStruct } from './codec.ts';
import { ProtocolDecodeError } from './errors.ts';
import { ByteReader } from './reader.ts';
import type { RequestOf } from './message-types.ts';
import { type ApiDefinition, inRange } from './schema.ts';
import { ByteWriter } from './writer.ts';

export const API_VERSIONS_KEY = 18;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export function isFlexible(api: ApiDefinition, version: number): boolean {
  return inRange(api.flexible, version);
}

export function isSupported(api: ApiDefinition, version: number): boolean {
  return inRange(api.versions, version);
}

/** Response header v1 (tagged fields) for flexible versions, except ApiVersions which always uses v0. */
export function responseHeaderVersion(api: ApiDefinition, version: number): 0 | 1 {
  return api.key !== API_VERSIONS_KEY && isFlexible(api, version) ? 1 : 0;
}

/** Reads the fixed part of a request header: key, version, correlation id and the int16-prefixed client id. */
export function readRequestHeader(r: ByteReader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const len = r.int16();
  let clientId: string | null = null;
  if (len >= 0) clientId = r.utf8(len);
  else if (len !== -1) throw new ProtocolDecodeError(`bad client id length ${len}`);
  return { apiKey, apiVersion, correlationId, clientId };
}

function skipTaggedFields(r: ByteReader): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

/**
 * Decodes a request body that follows `readRequestHeader` (skipping header v2's tagged fields when flexible). The
 * decoder builds the body from `api`'s own fields and fills each field the version lacks with its default, which is
 * what RequestOf<A> describes: this is the one place the untyped decoder output becomes typed.
 */
export function decodeRequestBody<A extends ApiDefinition>(api: A, version: number, r: ByteReader): RequestOf<A> {
  const flexible = isFlexible(api, version);
  if (flexible) skipTaggedFields(r);
  const body = decodeStruct(r, compile(api.request, version, flexible));
  if (r.remaining() !== 0)
    throw new ProtocolDecodeError(`${r.remaining()} trailing bytes after ${api.name} v${version}`);
  return body as RequestOf<A>;
}

/** Encodes a whole framed response (size prefix included) as chunks for writev. */
export function encodeResponse(
  api: ApiDefinition,
  version: number,
  correlationId: number,
  body: Record<string, unknown>,
): Buffer[] {
  const w = new ByteWriter(512);
  w.int32(0); // size placeholder, patched below
  w.int32(correlationId);
  if (responseHeaderVersion(api, version) === 1) w.uvarint(0);
  encodeStruct(w, compile(api.response, version, isFlexible(api, version)), body);
  const chunks = w.toChunks();
  chunks[0]!.writeInt32BE(w.length - 4, 0);
  return chunks;
}

/** Encodes a framed request (client side). */
export function encodeRequest(
  api: ApiDefinition,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Record<string, unknown>,
): Buffer {
  const flexible = isFlexible(api, version);
  const w = new ByteWriter(512);
  w.int32(0);
  w.int16(api.key).int16(version).int32(correlationId);
  if (clientId === null) w.int16(-1);
  else w.int16(Buffer.byteLength(clientId)).utf8(clientId);
  if (flexible) w.uvarint(0);
  encodeStruct(w, compile(api.request, version, flexible), body);
  const buf = w.toBuffer();
  buf.writeInt32BE(buf.length - 4, 0);
  return buf;
}

/** Decodes a response frame (without its size prefix) for a known api and version (client side). */
export function decodeResponse(
  api: ApiDefinition,
  version: number,
  frame: Buffer,
): { correlationId: number; body: Record<string, unknown> } {
  const r = new ByteReader(frame);
  const correlationId = r.int32();
  if (responseHeaderVersion(api, version) === 1) skipTaggedFields(r);
  const body = decodeStruct(r, compile(api.response, version, isFlexible(api, version)));
  if (r.remaining() !== 0) throw new ProtocolDecodeError(`${r.remaining()} trailing bytes after ${api.name} response`);
  return { correlationId, body };
}

/** Encodes just a body (no header) — used by round-trip tests. */
export function encodeBody(
  api: ApiDefinition,
  which: 'request' | 'response',
  version: number,
  body: Record<string, unknown>,
): Buffer {
  const flexible = isFlexible(api, version);
  const w = new ByteWriter(256);
  encodeStruct(w, compile(api[which], version, flexible), body);
  return w.toBuffer();
}

/** Decodes just a body (no header), requiring that it consume every byte. */
export function decodeBody(
  api: ApiDefinition,
  which: 'request' | 'response',
  version: number,
  bytes: Buffer,
): Record<string, unknown> {
  const r = new ByteReader(bytes);
  const body = decodeStruct(r, compile(api[which], version, isFlexible(api, version)));
  if (r.remaining() !== 0) throw new ProtocolDecodeError(`${r.remaining()} trailing bytes after ${api.name} ${which}`);
  return body;
}
