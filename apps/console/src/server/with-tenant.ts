/**
 * The one wrapper for every /api/v1 route handler: authenticates the caller, loads the tenant named in the URL,
 * checks the role, parses input with zod and maps typed errors to JSON responses. A route cannot forget the
 * tenant check because it only receives the tenant from here.
 *
 * Roles, weakest first: tenant member (read), tenant admin (change the tenant's topics, keys, ACLs, members),
 * platform admin (everything, every tenant). A user who is not a member of a tenant gets 404 for it, so tenant
 * names do not leak.
 */
import type { Tenant, TenantRole, User } from '@samsa/db';
import type { z } from 'zod';
import { userFromRequest } from './auth.ts';
import { db } from './db.ts';
import { ApiError, toApiError, toErrorResponse } from './errors.ts';
import { json } from './json.ts';
import { log } from './log.ts';
import { checkStateChangingRequest } from './request-guard.ts';

export type Role = 'member' | 'admin' | 'platform_admin';

export interface Actor {
  user: User;
}

export interface RequestContext<P> {
  req: Request;
  params: P;
  actor: Actor;
  /** Parses the JSON body with a zod schema; a bad body becomes a `validation_failed` error with field errors. */
  body<S extends z.ZodType>(schema: S): Promise<z.infer<S>>;
  /** Parses the query string with a zod schema. */
  query<S extends z.ZodType>(schema: S): z.infer<S>;
}

export interface TenantContext<P> extends RequestContext<P> {
  tenant: Tenant;
  /** The caller's effective role in this tenant. */
  role: Role;
}

type RouteContext = { params: Promise<Record<string, string>> };
type Handler = (req: Request, ctx: RouteContext) => Promise<Response>;

const RANK: Record<Role, number> = { member: 1, admin: 2, platform_admin: 3 };

function roleOf(role: TenantRole): Role {
  return role === 'TENANT_ADMIN' ? 'admin' : 'member';
}

function baseContext<P>(req: Request, params: P, actor: Actor): RequestContext<P> {
  return {
    req,
    params,
    actor,
    async body(schema) {
      let raw: unknown;
      try {
        raw = await req.json();
      } catch {
        throw new ApiError('validation_failed', 'The request body must be JSON');
      }
      return schema.parse(raw);
    },
    query(schema) {
      return schema.parse(Object.fromEntries(new URL(req.url).searchParams));
    },
  };
}

async function respond(run: () => Promise<unknown>, req: Request): Promise<Response> {
  try {
    const result = await run();
    if (result instanceof Response) return result;
    if (result === undefined) return new Response(null, { status: 204 });
    return json(result);
  } catch (err) {
    const apiError = toApiError(err);
    if (apiError.code === 'internal') log.error({ err, url: req.url, method: req.method }, 'request failed');
    return toErrorResponse(apiError);
  }
}

async function requireUser(req: Request): Promise<Actor> {
  const user = await userFromRequest(req);
  if (!user) throw new ApiError('unauthorized', 'Sign in first');
  checkStateChangingRequest(req);
  return { user };
}

/** Routes that need a signed-in user but no tenant (e.g. /me, /tenants list, platform-admin pages). */
export function withAuth<P = Record<string, string>>(
  handler: (ctx: RequestContext<P>) => Promise<unknown>,
  options: { platformAdmin?: boolean } = {},
): Handler {
  return (req, routeCtx) =>
    respond(async () => {
      const actor = await requireUser(req);
      if (options.platformAdmin && !actor.user.isPlatformAdmin) {
        throw new ApiError('forbidden', 'Only platform admins can do this');
      }
      const params = (await routeCtx?.params) ?? {};
      return handler(baseContext(req, params as P, actor));
    }, req);
}

/** Routes under /api/v1/tenants/[tenant]/…: the tenant comes from the URL and the caller's role in it is checked. */
export function withTenant<P extends { tenant: string } = { tenant: string }>(
  handler: (ctx: TenantContext<P>) => Promise<unknown>,
  options: { role: Role; allowSuspended?: boolean; allowDeleting?: boolean },
): Handler {
  return (req, routeCtx) =>
    respond(async () => {
      const actor = await requireUser(req);
      const params = (await routeCtx.params) as P;
      const tenant = await db().tenant.findUnique({ where: { slug: String(params.tenant ?? '') } });
      if (!tenant) throw new ApiError('not_found', `No tenant '${params.tenant}'`);
      let role: Role;
      if (actor.user.isPlatformAdmin) {
        role = 'platform_admin';
      } else {
        const m = await db().membership.findUnique({
          where: { userId_tenantId: { userId: actor.user.id, tenantId: tenant.id } },
        });
        if (!m) throw new ApiError('not_found', `No tenant '${params.tenant}'`);
        role = roleOf(m.role);
      }
      if (RANK[role] < RANK[options.role]) {
        throw new ApiError(
          'forbidden',
          `This needs the ${options.role.replace('_', ' ')} role in tenant '${tenant.slug}'`,
        );
      }
      const writes = req.method !== 'GET' && req.method !== 'HEAD';
      if (writes && tenant.status === 'DELETING' && !options.allowDeleting) {
        throw new ApiError(
          'tenant_deleting',
          `Tenant '${tenant.slug}' is being deleted; nothing in it can change (see GET /api/v1/tenant-deletions)`,
        );
      }
      if (writes && tenant.status === 'SUSPENDED' && role !== 'platform_admin' && !options.allowSuspended) {
        throw new ApiError('tenant_suspended', `Tenant '${tenant.slug}' is suspended; changes are disabled`);
      }
      return handler({ ...baseContext(req, params, actor), tenant, role });
    }, req);
}
