/**
 * DescribeClientQuotas and AlterClientQuotas for the superuser. The quota entity is `user=<tenant slug>` (the tenant
 * quota the console edits); Kafka's producer_byte_rate, consumer_byte_rate and request_percentage map to it, and
 * Samsa's hard limits use `samsa.*` keys. Tenants may not read or change quotas through the protocol.
 */
import { type AlterClientQuotas, type DescribeClientQuotas, ErrorCode, type ResponseOf } from '@samsa/protocol';
import { describePrincipal } from '../auth/principal.ts';
import type { Handler, RequestContext } from '../request-context.ts';
import type { TenantQuota } from '../tenancy/metadata-view.ts';

const KEYS: Record<string, keyof TenantQuota> = {
  producer_byte_rate: 'produceBytesPerSec',
  consumer_byte_rate: 'fetchBytesPerSec',
  request_percentage: 'requestPercentage',
  'samsa.storage_bytes': 'storageBytes',
  'samsa.max_topics': 'maxTopics',
  'samsa.max_partitions': 'maxPartitions',
  'samsa.max_connections': 'maxConnections',
  'samsa.max_groups': 'maxGroups',
  'samsa.max_committed_offsets': 'maxCommittedOffsets',
  'samsa.max_transactional_ids': 'maxTransactionalIds',
};
const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;

function superuserOnly(ctx: RequestContext): { errorCode: number; errorMessage: string } | null {
  if (!ctx.state.tenancy || !ctx.state.controlPlane) {
    return {
      errorCode: ErrorCode.SECURITY_DISABLED,
      errorMessage: 'quotas need the control plane database (--database-url)',
    };
  }
  if (ctx.access.principal.kind !== 'superuser') {
    return {
      errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
      errorMessage: 'only the platform superuser manages quotas',
    };
  }
  return null;
}

export const handleDescribeClientQuotas: Handler<typeof DescribeClientQuotas> = (
  ctx,
  req,
): ResponseOf<typeof DescribeClientQuotas> => {
  const denied = superuserOnly(ctx);
  if (denied) return { throttleTimeMs: 0, ...denied, entries: [] };
  const user = req.components.find((c) => c.entityType === 'user');
  const others = req.components.filter((c) => c.entityType !== 'user');
  if (others.length > 0 || (user && user.matchType === MATCH_DEFAULT)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries: [] };
  }
  const entries = [...ctx.state.tenancy!.view().tenants.values()]
    .filter((t) => !user || user.matchType !== MATCH_EXACT || user.match === t.slug)
    .map((t): NonNullable<ResponseOf<typeof DescribeClientQuotas>['entries']>[number] => ({
      entity: [{ entityType: 'user', entityName: t.slug }],
      values: Object.entries(KEYS)
        .filter(([, field]) => t.quota[field] !== null)
        .map(([key, field]) => ({ key, value: Number(t.quota[field]) })),
    }))
    .filter((e) => e.values.length > 0);
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
};

export const handleAlterClientQuotas: Handler<typeof AlterClientQuotas> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof AlterClientQuotas>> => {
  const denied = superuserOnly(ctx);
  const entries: ResponseOf<typeof AlterClientQuotas>['entries'][number][] = [];
  for (const e of req.entries) {
    const entity = e.entity;
    if (denied) {
      entries.push({ ...denied, entity });
      continue;
    }
    const slug = entity.length === 1 && entity[0]!.entityType === 'user' ? entity[0]!.entityName : null;
    const tenant = slug === null ? undefined : ctx.state.tenancy!.view().tenantsBySlug.get(slug);
    if (!tenant) {
      entries.push({
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'the quota entity must be user=<tenant slug> of an existing tenant',
        entity,
      });
      continue;
    }
    const changes: Record<string, number | null> = {};
    const bad = e.ops.find((op) => !KEYS[op.key] || (!op.remove && (!Number.isFinite(op.value) || op.value < 0)));
    if (bad) {
      entries.push({
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `unknown quota key or bad value: ${bad.key}=${bad.value} (keys: ${Object.keys(KEYS).join(', ')})`,
        entity,
      });
      continue;
    }
    for (const op of e.ops) changes[KEYS[op.key]!] = op.remove ? null : Math.round(op.value);
    if (!req.validateOnly)
      await ctx.state.controlPlane!.setTenantQuota(tenant.id, changes, describePrincipal(ctx.access.principal));
    entries.push({ errorCode: ErrorCode.NONE, errorMessage: null, entity });
  }
  await ctx.state.reloadMetadata();
  return { throttleTimeMs: 0, entries };
};
