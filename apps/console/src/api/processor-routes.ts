/**
 * The /api/v1/tenants/{tenant}/processors operations, part of the one route table (routes.ts spreads them in):
 * tenant members read, tenant admins and platform admins change; every change is audited by the service.
 */
import {
  createProcessorSchema,
  deploySchema,
  logsQuerySchema,
  logsSchema,
  metricsQuerySchema,
  metricsSchema,
  processorDetailSchema,
  processorListSchema,
  processorVersionViewSchema,
  redriveSchema,
  rollbackSchema,
  testRunResultSchema,
  testRunSchema,
  updateProcessorSchema,
  versionsSchema,
} from '../features/processors/schemas.ts';
import {
  getProcessor,
  getVersion,
  listLogs,
  listProcessors,
  listVersions,
  processorMetrics,
} from '../features/processors/queries.ts';
import {
  createProcessor,
  deleteProcessor,
  deployVersion,
  requestRedrive,
  rollbackProcessor,
  setDesiredState,
  updateProcessor,
} from '../features/processors/service.ts';
import { runTest } from '../features/processors/test-run.ts';
import { json } from '../server/json.ts';
import { withTenant } from '../server/with-tenant.ts';
import type { RouteSpec } from './define.ts';

type ProcessorParams = { tenant: string; name: string };
const tag = 'processors';

export const processorRoutes: Record<string, RouteSpec> = {
  '/tenants/{tenant}/processors': {
    GET: {
      summary: "A tenant's processors: desired state, status, version, topics, lag and rates",
      tag,
      access: 'tenant_member',
      response: processorListSchema,
      handler: withTenant(async ({ tenant }) => listProcessors(tenant), { role: 'member' }),
    },
    POST: {
      summary:
        'Create a processor (version 1, deployed): topics must exist (the DLQ topic is created), the code must compile (422 compile_failed with line and column), the tenant quota maxProcessors applies',
      tag,
      access: 'tenant_admin',
      body: createProcessorSchema,
      response: processorDetailSchema,
      handler: withTenant(
        async (ctx) =>
          json(await createProcessor(ctx.actor, ctx.tenant, await ctx.body(createProcessorSchema)), { status: 201 }),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/processors/{name}': {
    GET: {
      summary:
        'A processor: its active version (source, settings, env, secret names), status, last error, instances, limits and stats',
      tag,
      access: 'tenant_member',
      response: processorDetailSchema,
      handler: withTenant<ProcessorParams>(async ({ tenant, params }) => getProcessor(tenant, params.name), {
        role: 'member',
      }),
    },
    PUT: {
      summary:
        'Deploy a new version (secrets: a value sets, null removes, left out keeps; from defaults to the committed offsets)',
      tag,
      access: 'tenant_admin',
      body: updateProcessorSchema,
      response: processorDetailSchema,
      handler: withTenant<ProcessorParams>(
        async (ctx) => updateProcessor(ctx.actor, ctx.tenant, ctx.params.name, await ctx.body(updateProcessorSchema)),
        { role: 'admin' },
      ),
    },
    DELETE: {
      summary:
        'Delete a processor: its versions, secrets, logs, ACL bindings and its consumer groups on the broker (the DLQ topic stays)',
      tag,
      access: 'tenant_admin',
      status: 204,
      handler: withTenant<ProcessorParams>(async (ctx) => deleteProcessor(ctx.actor, ctx.tenant, ctx.params.name), {
        role: 'admin',
      }),
    },
  },
  '/tenants/{tenant}/processors/{name}/test-run': {
    POST: {
      summary:
        'Run code on pasted records or the newest records of the input topic and see each record’s outputs, drops, errors and logs; nothing is written',
      tag,
      access: 'tenant_admin',
      body: testRunSchema,
      response: testRunResultSchema,
      handler: withTenant<ProcessorParams>(
        async (ctx) => runTest(ctx.tenant, ctx.params.name, await ctx.body(testRunSchema)),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/processors/{name}/pause': {
    POST: {
      summary: 'Pause a processor (its committed offsets are kept)',
      tag,
      access: 'tenant_admin',
      response: processorDetailSchema,
      handler: withTenant<ProcessorParams>(
        async (ctx) => setDesiredState(ctx.actor, ctx.tenant, ctx.params.name, 'PAUSED'),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/processors/{name}/resume': {
    POST: {
      summary: 'Resume a paused processor from its committed offsets',
      tag,
      access: 'tenant_admin',
      response: processorDetailSchema,
      handler: withTenant<ProcessorParams>(
        async (ctx) => setDesiredState(ctx.actor, ctx.tenant, ctx.params.name, 'RUNNING'),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/processors/{name}/rollback': {
    POST: {
      summary: 'Deploy an earlier version again (default: the one deployed before the current one)',
      tag,
      access: 'tenant_admin',
      body: rollbackSchema,
      response: processorDetailSchema,
      handler: withTenant<ProcessorParams>(
        async (ctx) => rollbackProcessor(ctx.actor, ctx.tenant, ctx.params.name, await ctx.body(rollbackSchema)),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/processors/{name}/deploy': {
    POST: {
      summary: 'Deploy a version from a chosen position (replay history through a fixed function)',
      tag,
      access: 'tenant_admin',
      body: deploySchema,
      response: processorDetailSchema,
      handler: withTenant<ProcessorParams>(
        async (ctx) => deployVersion(ctx.actor, ctx.tenant, ctx.params.name, await ctx.body(deploySchema)),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/processors/{name}/dlq/redrive': {
    POST: {
      summary: "Send the processor's dead-letter records through its current version (202; the host does the work)",
      tag,
      access: 'tenant_admin',
      response: redriveSchema,
      handler: withTenant<ProcessorParams>(
        async (ctx) => json(await requestRedrive(ctx.actor, ctx.tenant, ctx.params.name), { status: 202 }),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/processors/{name}/versions': {
    GET: {
      summary: "A processor's versions (newest first) and its deploy history",
      tag,
      access: 'tenant_member',
      response: versionsSchema,
      handler: withTenant<ProcessorParams>(async ({ tenant, params }) => listVersions(tenant, params.name), {
        role: 'member',
      }),
    },
  },
  '/tenants/{tenant}/processors/{name}/versions/{v}': {
    GET: {
      summary: 'One version of a processor, with its source',
      tag,
      access: 'tenant_member',
      response: processorVersionViewSchema,
      handler: withTenant<ProcessorParams & { v: string }>(
        async ({ tenant, params }) => getVersion(tenant, params.name, params.v),
        { role: 'member' },
      ),
    },
  },
  '/tenants/{tenant}/processors/{name}/logs': {
    GET: {
      summary: "A processor's captured log lines (ctx.log, errors, lifecycle); `after` polls for newer ones",
      tag,
      access: 'tenant_member',
      query: logsQuerySchema,
      response: logsSchema,
      handler: withTenant<ProcessorParams>(
        async (ctx) => listLogs(ctx.tenant, ctx.params.name, ctx.query(logsQuerySchema)),
        { role: 'member' },
      ),
    },
  },
  '/tenants/{tenant}/processors/{name}/metrics': {
    GET: {
      summary: "A processor's metric samples over a window (15m, 1h, 6h, 24h) and its current stats",
      tag,
      access: 'tenant_member',
      query: metricsQuerySchema,
      response: metricsSchema,
      handler: withTenant<ProcessorParams>(
        async (ctx) => processorMetrics(ctx.tenant, ctx.params.name, ctx.query(metricsQuerySchema)),
        { role: 'member' },
      ),
    },
  },
};
