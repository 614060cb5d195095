/**
 * DescribeAcls, CreateAcls and DeleteAcls within the caller's tenant, so Kafka tooling can manage ACLs. Describe
 * needs DESCRIBE on the cluster, create and delete need ALTER (a tenant admin has both). Changes go to the control
 * plane's database (the console shows them) and take effect within a second through the metadata reload.
 */
import {
  type CreateAcls,
  type DeleteAcls,
  type DescribeAcls,
  ErrorCode,
  type RequestOf,
  type ResponseOf,
} from '@samsa/protocol';
import { describePrincipal } from '../auth/principal.ts';
import type { Handler, RequestContext } from '../request-context.ts';
import type { AclOperationName, AclPatternType, AclResourceType, AclRule } from '../tenancy/metadata-view.ts';

const RESOURCE_TYPES: Record<number, AclResourceType> = { 2: 'TOPIC', 3: 'GROUP', 4: 'CLUSTER', 5: 'TRANSACTIONAL_ID' };
const RESOURCE_CODES: Record<AclResourceType, number> = { TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5 };
const OPERATIONS: AclOperationName[] = [
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
];
const opFromCode = (code: number): AclOperationName | undefined => OPERATIONS[code - 2];
const opToCode = (op: AclOperationName): number => OPERATIONS.indexOf(op) + 2;
const PATTERN = { ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
const PERMISSION = { ANY: 1, DENY: 2, ALLOW: 3 } as const;
const ANY = 1;

/** DescribeAcls' request is one filter; DeleteAcls carries a list of the same shape. */
type AclFilter = RequestOf<typeof DeleteAcls>['filters'][number];
type AclResource = ResponseOf<typeof DescribeAcls>['resources'][number];

function matchesFilter(rule: AclRule, f: AclFilter): boolean {
  if (f.resourceTypeFilter !== ANY && RESOURCE_TYPES[f.resourceTypeFilter] !== rule.resourceType) return false;
  if (f.principalFilter !== null && f.principalFilter !== rule.principal) return false;
  if (f.hostFilter !== null && f.hostFilter !== rule.host) return false;
  if (f.operation !== ANY && opFromCode(f.operation) !== rule.operation) return false;
  if (
    f.permissionType !== PERMISSION.ANY &&
    (f.permissionType === PERMISSION.ALLOW ? 'ALLOW' : 'DENY') !== rule.permission
  ) {
    return false;
  }
  const name = f.resourceNameFilter;
  switch (f.patternTypeFilter) {
    case PATTERN.ANY:
      return name === null || name === rule.resourceName;
    case PATTERN.MATCH:
      return (
        name === null ||
        (rule.patternType === 'LITERAL' && (rule.resourceName === name || rule.resourceName === '*')) ||
        (rule.patternType === 'PREFIXED' && name.startsWith(rule.resourceName))
      );
    case PATTERN.LITERAL:
      return rule.patternType === 'LITERAL' && (name === null || name === rule.resourceName);
    case PATTERN.PREFIXED:
      return rule.patternType === 'PREFIXED' && (name === null || name === rule.resourceName);
    default:
      return false;
  }
}

/** The caller's tenant id when it may manage ACLs there, else an error answer. */
function tenantScope(
  ctx: RequestContext,
  op: 'DESCRIBE' | 'ALTER',
): { tenantId: string } | { errorCode: number; errorMessage: string } {
  const { access, state } = ctx;
  if (!state.tenancy)
    return { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'no authorizer is configured (auth is off)' };
  if (access.principal.kind !== 'tenant') {
    return {
      errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
      errorMessage: 'ACLs belong to tenants: manage them with a tenant admin key, the console or the samsa CLI',
    };
  }
  if (!access.canCluster(op))
    return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: `${op} on the cluster is required` };
  return { tenantId: access.principal.tenant.id };
}

function asWire(rule: AclRule) {
  return {
    resourceType: RESOURCE_CODES[rule.resourceType],
    resourceName: rule.resourceName,
    patternType: rule.patternType === 'LITERAL' ? PATTERN.LITERAL : PATTERN.PREFIXED,
    principal: rule.principal,
    host: rule.host,
    operation: opToCode(rule.operation),
    permissionType: rule.permission === 'ALLOW' ? PERMISSION.ALLOW : PERMISSION.DENY,
  };
}

function tenantRules(ctx: RequestContext, tenantId: string): AclRule[] {
  return ctx.state.tenancy!.view().aclsByTenant.get(tenantId) ?? [];
}

export const handleDescribeAcls: Handler<typeof DescribeAcls> = (ctx, req): ResponseOf<typeof DescribeAcls> => {
  const scope = tenantScope(ctx, 'DESCRIBE');
  if ('errorCode' in scope) return { throttleTimeMs: 0, ...scope, resources: [] };
  const grouped = new Map<string, AclResource & { acls: AclResource['acls'][number][] }>();
  for (const rule of tenantRules(ctx, scope.tenantId).filter((r) => matchesFilter(r, req))) {
    const w = asWire(rule);
    const key = `${w.resourceType}\u0000${w.resourceName}\u0000${w.patternType}`;
    let entry = grouped.get(key);
    if (!entry) {
      entry = { resourceType: w.resourceType, resourceName: w.resourceName, patternType: w.patternType, acls: [] };
      grouped.set(key, entry);
    }
    entry.acls.push({ principal: w.principal, host: w.host, operation: w.operation, permissionType: w.permissionType });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...grouped.values()] };
};

export const handleCreateAcls: Handler<typeof CreateAcls> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof CreateAcls>> => {
  const scope = tenantScope(ctx, 'ALTER');
  const store = ctx.state.controlPlane;
  const results: ResponseOf<typeof CreateAcls>['results'][number][] = [];
  for (const c of req.creations) {
    if ('errorCode' in scope) {
      results.push(scope);
      continue;
    }
    const resourceType = RESOURCE_TYPES[c.resourceType];
    const operation = opFromCode(c.operation);
    const patternType: AclPatternType | undefined =
      c.resourcePatternType === PATTERN.LITERAL
        ? 'LITERAL'
        : c.resourcePatternType === PATTERN.PREFIXED
          ? 'PREFIXED'
          : undefined;
    const permission =
      c.permissionType === PERMISSION.ALLOW ? 'ALLOW' : c.permissionType === PERMISSION.DENY ? 'DENY' : undefined;
    if (!resourceType || !operation || !patternType || !permission || !c.principal.startsWith('User:') || !store) {
      results.push({
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage:
          'an ACL needs a concrete resource type, pattern (LITERAL or PREFIXED), operation, permission and a User: principal',
      });
      continue;
    }
    await store.create(
      {
        tenantId: scope.tenantId,
        principal: c.principal,
        resourceType,
        patternType,
        resourceName: c.resourceName,
        operation,
        permission,
        host: c.host || '*',
      },
      describePrincipal(ctx.access.principal),
    );
    results.push({ errorCode: ErrorCode.NONE, errorMessage: null });
  }
  await ctx.state.reloadMetadata();
  return { throttleTimeMs: 0, results };
};

export const handleDeleteAcls: Handler<typeof DeleteAcls> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof DeleteAcls>> => {
  const scope = tenantScope(ctx, 'ALTER');
  const filterResults: ResponseOf<typeof DeleteAcls>['filterResults'][number][] = [];
  for (const f of req.filters) {
    if ('errorCode' in scope || !ctx.state.controlPlane) {
      const e = 'errorCode' in scope ? scope : { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'no ACL store' };
      filterResults.push({ ...e, matchingAcls: [] });
      continue;
    }
    const matching = tenantRules(ctx, scope.tenantId).filter((r) => matchesFilter(r, f));
    await ctx.state.controlPlane.delete(matching, describePrincipal(ctx.access.principal));
    filterResults.push({
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      matchingAcls: matching.map(
        (r): ResponseOf<typeof DeleteAcls>['filterResults'][number]['matchingAcls'][number] => ({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          ...asWire(r),
        }),
      ),
    });
  }
  await ctx.state.reloadMetadata();
  return { throttleTimeMs: 0, filterResults };
};
