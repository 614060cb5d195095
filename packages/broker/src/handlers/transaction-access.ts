/** Shared by the transaction handlers: the tenant's transactional-id quota and Kafka's pre-KIP-588 fencing code. */
import { ErrorCode } from '@samsa/protocol';
import type { RequestContext } from '../request-context.ts';

/**
 * Transactional ids the connection's tenant may have: its quota (samsa.max_transactional_ids), else the broker's
 * --max-transactional-ids-per-tenant; null without a tenant (unbounded but by memory and expiry).
 */
export function transactionalIdLimit(ctx: RequestContext): number | null {
  const { principal } = ctx.access;
  if (principal.kind !== 'tenant') return null;
  const quota = ctx.state.tenancy?.quota(principal.tenant.id).maxTransactionalIds ?? null;
  return quota ?? ctx.state.config.maxTransactionalIdsPerTenant;
}

/** PRODUCER_FENCED exists for clients from `sinceVersion` of an API; older ones are told INVALID_PRODUCER_EPOCH. */
export function fencedFor(errorCode: number, version: number, sinceVersion: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && version < sinceVersion
    ? ErrorCode.INVALID_PRODUCER_EPOCH
    : errorCode;
}
