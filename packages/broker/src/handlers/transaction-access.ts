/** Shared by the transaction handlers: the tenant's transactional-id quota and Kafka's pre-KIP-588 fencing code. */
import { ErrorCode } from '@samsa/protocol';
import type { RequestContext } from '../request-context.ts';

/** Transactional ids the connection's tenant may have, or null (no tenant: unbounded but by memory). */
export function transactionalIdLimit(ctx: RequestContext): number | null {
  return ctx.access.principal.kind === 'tenant' ? ctx.state.config.maxTransactionalIdsPerTenant : null;
}

/** PRODUCER_FENCED exists for clients from `sinceVersion` of an API; older ones are told INVALID_PRODUCER_EPOCH. */
export function fencedFor(errorCode: number, version: number, sinceVersion: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && version < sinceVersion
    ? ErrorCode.INVALID_PRODUCER_EPOCH
    : errorCode;
}
