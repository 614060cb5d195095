/**
 * How the console shows a record's key, value and headers: bytes in the schema registry's wire format decoded with
 * their tenant's schema (Avro, Protobuf, JSON Schema), else UTF-8 text (JSON pretty-printed), else hex. Shared by
 * the message browser and message search; all of it runs in the console's server.
 */
import type { BrowsedMessage } from '@samsa/cluster';
import type { Tenant } from '@samsa/db';
import { WIRE_HEADER_BYTES, wireSchemaId } from '@samsa/schema-registry/wire';
import { decodeWithSchema } from '../schemas/record-decoding.ts';
import type { RenderedBytes } from './schemas.ts';

function hasControlChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return true;
  }
  return false;
}

/** UTF-8 text (JSON pretty-printed) when the bytes are valid UTF-8 without control characters, else hex. */
export function renderBytes(buf: Buffer | null): { encoding: 'utf8' | 'json' | 'hex' | 'null'; text: string | null } {
  if (buf === null) return { encoding: 'null', text: null };
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  const valid = Buffer.from(text, 'utf8').equals(buf) && !hasControlChars(text);
  if (!valid) return { encoding: 'hex', text: buf.toString('hex') };
  try {
    const parsed = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object')
      return { encoding: 'json', text: JSON.stringify(parsed, null, 2) };
  } catch {}
  return { encoding: 'utf8', text };
}

/**
 * A key or value: decoded with its schema when it starts with the wire header (`subject` is the subject its topic
 * would use, preferred when several hold the schema), its hex and the reason when that fails, else renderBytes.
 */
export async function renderSchemaBytes(tenant: Tenant, buf: Buffer | null, subject: string): Promise<RenderedBytes> {
  const schemaId = wireSchemaId(buf);
  if (buf === null || schemaId === null) return renderBytes(buf);
  const decoded = await decodeWithSchema(tenant, schemaId, buf.subarray(WIRE_HEADER_BYTES), subject);
  const hex = buf.toString('hex');
  if ('reason' in decoded) return { encoding: 'hex', text: hex, schemaId, decodeError: decoded.reason };
  return { ...decoded, raw: hex };
}

/** A record's key, value and headers as the console shows them (headers are never schema-encoded). */
export async function renderRecord(tenant: Tenant, topic: string, m: BrowsedMessage) {
  const [key, value] = await Promise.all([
    renderSchemaBytes(tenant, m.key, `${topic}-key`),
    renderSchemaBytes(tenant, m.value, `${topic}-value`),
  ]);
  return { key, value, headers: m.headers.map(([k, v]) => ({ key: k, value: renderBytes(v) })) };
}
