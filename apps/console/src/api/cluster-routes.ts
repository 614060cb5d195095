/**
 * The /api/v1/clusters operations (managed Apache Kafka clusters, issue 15), part of the one route table (routes.ts
 * spreads them in): platform admins only, every one; a tenant's placements are read by its members.
 */
import { z } from 'zod';
import {
  clusterDetailSchema,
  clusterSchema,
  reconcileNowSchema,
  reconcileReportSchema,
  registerClusterSchema,
  tenantPlacementSchema,
  updateClusterSchema,
} from '../features/clusters/schemas.ts';
import {
  clusterDetail,
  findCluster,
  listClusters,
  reconcileNow,
  registerCluster,
  removeCluster,
  tenantPlacements,
  updateCluster,
} from '../features/clusters/service.ts';
import { json } from '../server/json.ts';
import { withAuth, withTenant } from '../server/with-tenant.ts';
import type { RouteSpec } from './define.ts';

type ClusterParams = { cluster: string };
const tag = 'clusters';
const platformAdmin = { platformAdmin: true };

export const clusterRoutes: Record<string, RouteSpec> = {
  '/clusters': {
    GET: {
      summary: 'Managed Apache Kafka clusters with the status of their last reconcile',
      tag,
      access: 'platform_admin',
      response: z.array(clusterSchema),
      handler: withAuth(async () => listClusters(), platformAdmin),
    },
    POST: {
      summary:
        'Register a managed cluster: signs in as its admin principal and checks its rights first (nothing is stored when that fails); the password is sealed and never returned',
      tag,
      access: 'platform_admin',
      body: registerClusterSchema,
      response: clusterSchema,
      handler: withAuth(
        async (ctx) => json(await registerCluster(ctx.actor, await ctx.body(registerClusterSchema)), { status: 201 }),
        platformAdmin,
      ),
    },
  },
  '/clusters/{cluster}': {
    GET: {
      summary: 'One managed cluster: brokers seen, tenants placed, its last reconcile reports with drift in words',
      tag,
      access: 'platform_admin',
      response: clusterDetailSchema,
      handler: withAuth<ClusterParams>(
        async (ctx) => clusterDetail(await findCluster(ctx.params.cluster)),
        platformAdmin,
      ),
    },
    PATCH: {
      summary: 'Change the admin credentials (checked against the cluster first), the interval, or pause/resume',
      tag,
      access: 'platform_admin',
      body: updateClusterSchema,
      response: clusterSchema,
      handler: withAuth<ClusterParams>(
        async (ctx) =>
          updateCluster(ctx.actor, await findCluster(ctx.params.cluster), await ctx.body(updateClusterSchema)),
        platformAdmin,
      ),
    },
    DELETE: {
      summary: 'Forget a managed cluster (nothing on the cluster is changed)',
      tag,
      access: 'platform_admin',
      status: 204,
      handler: withAuth<ClusterParams>(
        async (ctx) => removeCluster(ctx.actor, await findCluster(ctx.params.cluster)),
        platformAdmin,
      ),
    },
  },
  '/clusters/{cluster}/reconcile': {
    POST: {
      summary: 'Reconcile now (waits for it); dryRun lists the changes and makes none; 409 while another run holds it',
      tag,
      access: 'platform_admin',
      body: reconcileNowSchema,
      response: reconcileReportSchema,
      handler: withAuth<ClusterParams>(
        async (ctx) =>
          reconcileNow(ctx.actor, await findCluster(ctx.params.cluster), (await ctx.body(reconcileNowSchema)).dryRun),
        platformAdmin,
      ),
    },
  },
  '/tenants/{tenant}/cluster-placements': {
    GET: {
      summary:
        "Where the tenant's keys and ACLs are placed on each managed cluster: placed, pending, refused or skipped with why",
      tag,
      access: 'tenant_member',
      response: tenantPlacementSchema,
      handler: withTenant(async ({ tenant }) => tenantPlacements(tenant), { role: 'member' }),
    },
  },
};
