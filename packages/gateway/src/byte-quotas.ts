/**
 * Samsa's tenant-wide (and service-account) produce and fetch byte rates, applied in the gateway the way the broker
 * applies them (`byteRateThrottleMs`, the same QuotaLimiter): the bytes of record batches a tenant's connection
 * writes or reads count against its rates; over them the answer carries throttle_time_ms and the connection is muted
 * for that long. Counted per gateway process: N gateways let a tenant reach up to N times its rate.
 */
import type { Principal } from '@samsa/broker/principal';
import { byteRateThrottleMs, type Tenancy } from '@samsa/broker/tenancy';
import type { Msg } from './rewrite/index.ts';

const PRODUCE_KEY = 0;
const FETCH_KEY = 1;

function recordsBytes(records: unknown): number {
  if (records === null || records === undefined) return 0;
  if (Array.isArray(records)) return records.reduce((n: number, c: Uint8Array) => n + c.length, 0);
  return (records as Uint8Array).length;
}

/** Record bytes a Produce request writes, or a Fetch answer reads; 0 for other APIs. */
export function recordBytesOf(apiKey: number, request: Msg, response: Msg | null): number {
  let bytes = 0;
  if (apiKey === PRODUCE_KEY) {
    for (const t of request.topicData as Msg[])
      for (const p of t.partitionData as Msg[]) bytes += recordsBytes(p.records);
  } else if (apiKey === FETCH_KEY && response !== null) {
    for (const t of response.responses as Msg[])
      for (const p of t.partitions as Msg[]) bytes += recordsBytes(p.records);
  }
  return bytes;
}

/** How long the connection must wait for these bytes under its tenant's rates (0: within them). */
export function byteQuotaThrottleMs(
  tenancy: Tenancy,
  principal: Principal,
  apiKey: number,
  request: Msg,
  response: Msg | null,
): number {
  if (apiKey !== PRODUCE_KEY && apiKey !== FETCH_KEY) return 0;
  const bytes = recordBytesOf(apiKey, request, response);
  return byteRateThrottleMs(tenancy, principal, apiKey === PRODUCE_KEY ? 'produce' : 'fetch', bytes);
}
