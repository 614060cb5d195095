/**
 * Every /api/v1 operation, keyed by OpenAPI path. The app/api/v1/** route files only re-export handlers from
 * here, the OpenAPI document is generated from here, and the authorization test walks this table.
 */
import { z } from 'zod';
import { deliveriesSchema, deliverySchema, putWebhookSchema, webhookSchema } from '../features/alerts/schemas.ts';
import { deleteWebhook, getWebhook, listDeliveries, putWebhook, testWebhook } from '../features/alerts/service.ts';
import { auditQuerySchema } from '../features/audit/schemas.ts';
import { listAudit } from '../features/audit/service.ts';
import { aclBindingRowSchema, createAclSchema, expandPreset } from '../features/acls/schemas.ts';
import { addAcls, listAcls, removeAcl } from '../features/acls/service.ts';
import {
  apiKeySchema,
  createApiKeySchema,
  createdApiKeySchema,
  createServiceAccountSchema,
} from '../features/service-accounts/schemas.ts';
import {
  createApiKey,
  createServiceAccount,
  deleteServiceAccount,
  listApiKeys,
  listServiceAccounts,
  revokeApiKey,
} from '../features/service-accounts/service.ts';
import {
  groupDetailSchema,
  groupListQuerySchema,
  groupListSchema,
  lagHistoryQuerySchema,
  lagHistorySchema,
  resetOffsetsSchema,
  resetPlanSchema,
} from '../features/consumer-groups/schemas.ts';
import {
  executeGroupReset,
  getTenantGroup,
  getTenantGroupHistory,
  lagMetrics,
  listAllGroups,
  listTenantGroups,
  previewGroupReset,
} from '../features/consumer-groups/service.ts';
import {
  compatibilityResultSchema,
  deletedSchema,
  deleteQuerySchema,
  newSchemaSchema,
  registeredSchema,
  schemaVersionSchema,
  setSubjectCompatibilitySchema,
  setTenantCompatibilitySchema,
  subjectCompatibilitySchema,
  subjectDetailSchema,
  subjectListSchema,
  tenantCompatibilitySchema,
} from '../features/schemas/schemas.ts';
import {
  checkSchema,
  deleteSubject,
  deleteVersion,
  getSubject,
  getSubjectCompatibility,
  getTenantCompatibility,
  getVersion,
  listSubjects,
  registerSchema,
  setSubjectCompatibility,
  setTenantCompatibility,
} from '../features/schemas/service.ts';
import { abortedTransactionSchema, transactionListSchema } from '../features/transactions/schemas.ts';
import {
  abortTenantTransaction,
  listAllTransactions,
  listTenantTransactions,
} from '../features/transactions/service.ts';
import {
  createTenantSchema,
  quotaSchema,
  tenantDeletionSchema,
  tenantDeletionsQuerySchema,
  tenantSchema,
  trafficSchema,
  updateTenantSchema,
} from '../features/tenants/schemas.ts';
import {
  createTenant,
  getQuota,
  listTenantDeletions,
  listTenants,
  quotaView,
  setQuota,
  tenantUsage,
  tenantView,
  updateTenant,
} from '../features/tenants/service.ts';
import { startTenantDeletion } from '../features/tenants/tenant-deletion.ts';
import { tenantTraffic } from '../features/tenants/traffic.ts';
import { trafficHistory } from '../features/overview/history.ts';
import {
  platformOverviewSchema,
  tenantOverviewSchema,
  trafficHistoryQuerySchema,
  trafficHistorySchema,
} from '../features/overview/schemas.ts';
import { platformOverview, tenantOverview } from '../features/overview/service.ts';
import {
  browseQuerySchema,
  createTopicSchema,
  produceSchema,
  topicSubjectsSchema,
  updateTopicSchema,
} from '../features/topics/schemas.ts';
import {
  browseMessages,
  createTopic,
  deleteTopic,
  describeTopic,
  listTopics,
  produceMessage,
  updateTopic,
} from '../features/topics/service.ts';
import { topicSubjects } from '../features/topics/subjects.ts';
import {
  createRequestSchema,
  decisionSchema,
  listRequestsQuerySchema,
  pendingRequestListSchema,
  pendingRequestsQuerySchema,
  requestListSchema,
  requestSchema,
  selfServiceSchema,
} from '../features/requests/schemas.ts';
import {
  approveRequest,
  assertMayCreateDirectly,
  cancelRequest,
  collectApprovedKey,
  createRequest,
  getRequest,
  getSelfService,
  listPendingRequests,
  listRequests,
  rejectRequest,
  setSelfService,
} from '../features/requests/service.ts';
import { globalSearchQuerySchema, globalSearchResponseSchema } from '../features/global-search/schemas.ts';
import { globalSearch } from '../features/global-search/service.ts';
import { searchEventSchema, searchRequestSchema } from '../features/search/schemas.ts';
import { cancelSearch, startSearch } from '../features/search/service.ts';
import { acceptInvitation, inviteMember, listInvitations, revokeInvitation } from '../features/users/invitations.ts';
import {
  acceptInvitationSchema,
  addMemberSchema,
  apiTokenSchema,
  bootstrapSchema,
  changePasswordSchema,
  createdInvitationSchema,
  createUserSchema,
  invitationSchema,
  loginSchema,
  tokenRequestSchema,
  updateUserSchema,
} from '../features/users/schemas.ts';
import { changeOwnPassword, listApiTokens, revokeApiToken } from '../features/users/tokens.ts';
import {
  createUser,
  deleteUser,
  findUser,
  listMembers,
  listUsers,
  removeMember,
  updateUser,
  userView,
} from '../features/users/service.ts';
import {
  authenticate,
  clearSessionCookie,
  createApiToken,
  createFirstAdmin,
  createSession,
  deleteSession,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
} from '../server/auth.ts';
import { clientAddress, requestOrigin } from '../server/client-address.ts';
import { db } from '../server/db.ts';
import { ApiError, toApiError, toErrorResponse } from '../server/errors.ts';
import { json } from '../server/json.ts';
import { checkStateChangingRequest } from '../server/request-guard.ts';
import { checkSetupAccess } from '../server/setup-access.ts';
import { withAuth, withTenant } from '../server/with-tenant.ts';
import type { Handler, RouteSpec } from './define.ts';
import { processorRoutes } from './processor-routes.ts';
import { clusterRoutes } from './cluster-routes.ts';

/** Public endpoints (sign-in, bootstrap, the OpenAPI document) still map errors through the one error type. */
function publicHandler(run: (req: Request) => Promise<Response>): Handler {
  return async (req) => {
    try {
      checkStateChangingRequest(req);
      return await run(req);
    } catch (err) {
      return toErrorResponse(toApiError(err));
    }
  };
}

async function parseBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    throw new ApiError('validation_failed', 'The request body must be JSON');
  }
  return schema.parse(raw);
}

const ok = z.object({ ok: z.literal(true) });

function sessionTokenOf(req: Request): string | undefined {
  return req.headers.get('authorization') ? undefined : readCookie(req.headers.get('cookie'), SESSION_COOKIE);
}
const meSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  isPlatformAdmin: z.boolean(),
  tenants: z.array(tenantSchema),
});

type TopicParams = { tenant: string; topic: string };
type GroupParams = { tenant: string; group: string };
type TransactionParams = { tenant: string; transactionalId: string };
type SubjectParams = { tenant: string; subject: string };
type SubjectVersionParams = SubjectParams & { version: string };

/** A version in a path: a number from 1, or `latest`. */
function versionParam(raw: string): number | 'latest' {
  if (raw === 'latest') return raw;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1) {
    throw new ApiError('validation_failed', `The version must be a number from 1 or 'latest', got '${raw}'`, {
      version: ['a number from 1, or latest'],
    });
  }
  return n;
}

export const apiRoutes: Record<string, RouteSpec> = {
  '/auth/login': {
    POST: {
      summary: 'Sign in with email and password; sets the session cookie',
      tag: 'auth',
      access: 'public',
      body: loginSchema,
      response: ok,
      handler: publicHandler(async (req) => {
        const input = await parseBody(req, loginSchema);
        const user = await authenticate(input.email, input.password, clientAddress(req));
        const { token, expiresAt } = await createSession(user.id);
        return json({ ok: true }, { headers: { 'set-cookie': sessionCookie(req, token, expiresAt) } });
      }),
    },
  },
  '/auth/logout': {
    POST: {
      summary: 'Sign out: ends the session',
      tag: 'auth',
      access: 'public',
      response: ok,
      handler: publicHandler(async (req) => {
        const token = readCookie(req.headers.get('cookie'), SESSION_COOKIE);
        if (token) await deleteSession(token);
        return json({ ok: true }, { headers: { 'set-cookie': clearSessionCookie() } });
      }),
    },
  },
  '/auth/token': {
    POST: {
      summary:
        'Exchange email and password for a personal API token (used by `samsa login`); it expires after expiresInDays (default 90)',
      tag: 'auth',
      access: 'public',
      body: tokenRequestSchema,
      response: z.object({ token: z.string(), id: z.string(), prefix: z.string(), expiresAt: z.string() }),
      handler: publicHandler(async (req) => {
        const input = await parseBody(req, tokenRequestSchema);
        const user = await authenticate(input.email, input.password, clientAddress(req));
        return json(await createApiToken(user.id, input.name, input.expiresInDays));
      }),
    },
  },
  '/auth/tokens': {
    GET: {
      summary: "The caller's personal API tokens: name, prefix, created, expires, last used, revoked (never the token)",
      tag: 'auth',
      access: 'user',
      response: z.array(apiTokenSchema),
      handler: withAuth(async ({ actor }) => listApiTokens(actor.user)),
    },
  },
  '/auth/tokens/{id}': {
    DELETE: {
      summary: "Revoke one of the caller's personal API tokens",
      tag: 'auth',
      access: 'user',
      status: 204,
      handler: withAuth<{ id: string }>(async ({ actor, params }) => revokeApiToken(actor, actor.user, params.id)),
    },
  },
  '/auth/password': {
    POST: {
      summary: "Change the caller's password: revokes all their API tokens and ends their other sessions",
      tag: 'auth',
      access: 'user',
      body: changePasswordSchema,
      response: z.object({ tokens: z.number(), sessions: z.number() }),
      handler: withAuth(async (ctx) =>
        changeOwnPassword(ctx.actor, await ctx.body(changePasswordSchema), sessionTokenOf(ctx.req)),
      ),
    },
  },
  '/invitations/accept': {
    POST: {
      summary:
        'Accept a tenant invitation: a new account sets its password, an existing one signs in with it; sets the session cookie',
      tag: 'auth',
      access: 'public',
      body: acceptInvitationSchema,
      response: z.object({ ok: z.literal(true), tenant: z.string() }),
      handler: publicHandler(async (req) => {
        const input = await parseBody(req, acceptInvitationSchema);
        const { user, tenant } = await acceptInvitation(input, clientAddress(req));
        const { token, expiresAt } = await createSession(user.id);
        return json({ ok: true, tenant }, { headers: { 'set-cookie': sessionCookie(req, token, expiresAt) } });
      }),
    },
  },
  '/auth/bootstrap': {
    POST: {
      summary:
        'Create the first platform admin; only while there are no users, and only from loopback or with the setup token `samsa start` prints',
      tag: 'auth',
      access: 'public',
      body: bootstrapSchema,
      response: ok,
      handler: publicHandler(async (req) => {
        const input = await parseBody(req, bootstrapSchema);
        checkSetupAccess(req, input.setupToken);
        const created = await createFirstAdmin(input);
        if (!created) throw new ApiError('forbidden', 'The console is already set up');
        const { token, expiresAt } = await createSession(created.id);
        return json({ ok: true }, { headers: { 'set-cookie': sessionCookie(req, token, expiresAt) } });
      }),
    },
  },
  '/me': {
    GET: {
      summary: 'The signed-in user and the tenants they can open',
      tag: 'auth',
      access: 'user',
      response: meSchema,
      handler: withAuth(async ({ actor }) => ({
        id: actor.user.id,
        email: actor.user.email,
        name: actor.user.name,
        isPlatformAdmin: actor.user.isPlatformAdmin,
        tenants: await listTenants(actor),
      })),
    },
  },
  '/tenants': {
    GET: {
      summary: 'Tenants with usage and quotas (all for platform admins, own for others)',
      tag: 'tenants',
      access: 'user',
      response: z.array(tenantSchema),
      handler: withAuth(async ({ actor }) => listTenants(actor)),
    },
    POST: {
      summary: 'Create a tenant with quotas',
      tag: 'tenants',
      access: 'platform_admin',
      body: createTenantSchema,
      response: tenantSchema,
      handler: withAuth(
        async (ctx) => json(await createTenant(ctx.actor, await ctx.body(createTenantSchema)), { status: 201 }),
        { platformAdmin: true },
      ),
    },
  },
  '/tenants/{tenant}': {
    GET: {
      summary: 'One tenant, with its usage (topics, partitions, bytes, messages) from the broker and its quotas',
      tag: 'tenants',
      access: 'tenant_member',
      response: tenantSchema,
      handler: withTenant(
        async ({ tenant, role }) => ({
          ...tenantView(tenant, { role }),
          usage: await tenantUsage(tenant),
          quota: quotaView(await getQuota(tenant.id)),
        }),
        { role: 'member' },
      ),
    },
    PATCH: {
      summary: 'Edit, suspend or resume a tenant',
      tag: 'tenants',
      access: 'platform_admin',
      body: updateTenantSchema,
      response: tenantSchema,
      handler: withTenant(async (ctx) => updateTenant(ctx.actor, ctx.tenant, await ctx.body(updateTenantSchema)), {
        role: 'platform_admin',
      }),
    },
    DELETE: {
      summary:
        'Start deleting a tenant and everything under its namespace (202 with the deletion; again on a DELETING tenant runs it now)',
      tag: 'tenants',
      access: 'platform_admin',
      response: tenantDeletionSchema,
      handler: withTenant(async (ctx) => json(await startTenantDeletion(ctx.actor, ctx.tenant), { status: 202 }), {
        role: 'platform_admin',
        allowDeleting: true,
      }),
    },
  },
  '/tenant-deletions': {
    GET: {
      summary:
        'Tenant deletions, newest first: deleting (with the last error, if a run failed) or deleted, with counts',
      tag: 'tenants',
      access: 'platform_admin',
      query: tenantDeletionsQuerySchema,
      response: z.array(tenantDeletionSchema),
      handler: withAuth(async (ctx) => listTenantDeletions(ctx.query(tenantDeletionsQuerySchema).limit), {
        platformAdmin: true,
      }),
    },
  },
  '/tenants/{tenant}/quota': {
    GET: {
      summary: "A tenant's quotas",
      tag: 'tenants',
      access: 'tenant_member',
      response: quotaSchema,
      handler: withTenant(async ({ tenant }) => quotaView(await getQuota(tenant.id)), { role: 'member' }),
    },
    PUT: {
      summary:
        "Set a tenant's quotas (fields left out are unchanged; null = unlimited, or the broker default for the group limits)",
      tag: 'tenants',
      access: 'platform_admin',
      body: quotaSchema,
      response: quotaSchema,
      handler: withTenant(async (ctx) => setQuota(ctx.actor, ctx.tenant, await ctx.body(quotaSchema)), {
        role: 'platform_admin',
      }),
    },
  },
  '/tenants/{tenant}/webhook': {
    GET: {
      summary: "The tenant's consumer-lag alert webhook (never its secret), or null",
      tag: 'alerts',
      access: 'tenant_member',
      response: webhookSchema,
      handler: withTenant(async ({ tenant }) => getWebhook(tenant), { role: 'member' }),
    },
    PUT: {
      summary: 'Set where consumer-group alerts go (status changes into or out of WARNING, STALLED, STOPPED)',
      tag: 'alerts',
      access: 'tenant_admin',
      body: putWebhookSchema,
      response: webhookSchema,
      handler: withTenant(async (ctx) => putWebhook(ctx.actor, ctx.tenant, await ctx.body(putWebhookSchema)), {
        role: 'admin',
      }),
    },
    DELETE: {
      summary: 'Stop sending consumer-group alerts',
      tag: 'alerts',
      access: 'tenant_admin',
      response: ok,
      handler: withTenant(async (ctx) => deleteWebhook(ctx.actor, ctx.tenant), { role: 'admin' }),
    },
  },
  '/tenants/{tenant}/webhook/test': {
    POST: {
      summary: 'Send one signed test event to the saved webhook now and report the outcome',
      tag: 'alerts',
      access: 'tenant_admin',
      response: deliverySchema,
      handler: withTenant(async ({ tenant }) => testWebhook(tenant), { role: 'admin' }),
    },
  },
  '/tenants/{tenant}/webhook/deliveries': {
    GET: {
      summary: "The tenant's newest webhook deliveries (every attempt, with its outcome)",
      tag: 'alerts',
      access: 'tenant_member',
      response: deliveriesSchema,
      handler: withTenant(async ({ tenant }) => listDeliveries(tenant), { role: 'member' }),
    },
  },
  '/tenants/{tenant}/traffic': {
    GET: {
      summary: "A tenant's current produce and fetch rates, throttling and connections, as the broker reports them",
      tag: 'tenants',
      access: 'tenant_member',
      response: trafficSchema,
      handler: withTenant(async ({ tenant }) => tenantTraffic(tenant), { role: 'member' }),
    },
  },
  '/tenants/{tenant}/overview': {
    GET: {
      summary:
        "A tenant's home: topics by traffic, groups needing attention, quota usage against limits, recent changes (admins)",
      tag: 'overview',
      access: 'tenant_member',
      response: tenantOverviewSchema,
      handler: withTenant(async ({ tenant, role }) => tenantOverview(tenant, role), { role: 'member' }),
    },
  },
  '/tenants/{tenant}/traffic/history': {
    GET: {
      summary:
        "A tenant's (or one topic's) produce/fetch bytes and records per second and storage over a window (15m to 30d), with throttling and quota-change marks",
      tag: 'overview',
      access: 'tenant_member',
      query: trafficHistoryQuerySchema,
      response: trafficHistorySchema,
      handler: withTenant(
        async (ctx) => {
          const q = ctx.query(trafficHistoryQuerySchema);
          return trafficHistory({ tenantIds: [ctx.tenant.id], topic: q.topic }, q.window);
        },
        { role: 'member' },
      ),
    },
  },
  '/tenants/{tenant}/topics': {
    GET: {
      summary: "A tenant's topics as the broker has them (also those created over Kafka), with annotations and counts",
      tag: 'topics',
      access: 'tenant_member',
      handler: withTenant(async ({ tenant }) => listTopics(tenant), { role: 'member' }),
    },
    POST: {
      summary:
        "Create a topic (as the tenant: the broker checks the tenant's quotas); members only when the tenant's self-service mode is DIRECT, else they request it",
      tag: 'topics',
      access: 'tenant_member',
      body: createTopicSchema,
      handler: withTenant(
        async (ctx) => {
          assertMayCreateDirectly(ctx.tenant, ctx.role, 'topics');
          return json(await createTopic(ctx.actor, ctx.tenant, await ctx.body(createTopicSchema)), { status: 201 });
        },
        { role: 'member' },
      ),
    },
  },
  '/tenants/{tenant}/topics/{topic}': {
    GET: {
      summary: 'Topic detail: partitions with offsets, configs',
      tag: 'topics',
      access: 'tenant_member',
      handler: withTenant<TopicParams>(async ({ tenant, params }) => describeTopic(tenant, params.topic), {
        role: 'member',
      }),
    },
    PATCH: {
      summary: 'Edit topic metadata, configs or add partitions',
      tag: 'topics',
      access: 'tenant_admin',
      body: updateTopicSchema,
      handler: withTenant<TopicParams>(
        async (ctx) => updateTopic(ctx.actor, ctx.tenant, ctx.params.topic, await ctx.body(updateTopicSchema)),
        { role: 'admin' },
      ),
    },
    DELETE: {
      summary: 'Delete a topic and its data',
      tag: 'topics',
      access: 'tenant_admin',
      status: 204,
      handler: withTenant<TopicParams>(async (ctx) => deleteTopic(ctx.actor, ctx.tenant, ctx.params.topic), {
        role: 'admin',
      }),
    },
  },
  '/tenants/{tenant}/topics/{topic}/messages': {
    GET: {
      summary: 'Browse messages of one partition from an offset or a timestamp',
      tag: 'topics',
      access: 'tenant_member',
      query: browseQuerySchema,
      handler: withTenant<TopicParams>(
        async (ctx) => browseMessages(ctx.tenant, ctx.params.topic, ctx.query(browseQuerySchema)),
        { role: 'member' },
      ),
    },
    POST: {
      summary: 'Produce a test message',
      tag: 'topics',
      access: 'tenant_admin',
      body: produceSchema,
      handler: withTenant<TopicParams>(
        async (ctx) => produceMessage(ctx.actor, ctx.tenant, ctx.params.topic, await ctx.body(produceSchema)),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/topics/{topic}/subjects': {
    GET: {
      summary:
        "The topic's schema-registry subjects by TopicNameStrategy (<topic>-key, <topic>-value) with their latest versions",
      tag: 'topics',
      access: 'tenant_member',
      response: topicSubjectsSchema,
      handler: withTenant<TopicParams>(async ({ tenant, params }) => topicSubjects(tenant, params.topic), {
        role: 'member',
      }),
    },
  },
  '/tenants/{tenant}/topics/{topic}/search': {
    POST: {
      summary:
        'Search a topic for records by substring, RE2 regular expression, JSON field or CEL expression, within a scan budget (records, ms); streams NDJSON events: started, progress, match, end (why it stopped, and where)',
      tag: 'topics',
      access: 'tenant_member',
      body: searchRequestSchema,
      response: searchEventSchema,
      responseContentType: 'application/x-ndjson',
      handler: withTenant<TopicParams>(
        async (ctx) => startSearch(ctx.tenant, ctx.params.topic, await ctx.body(searchRequestSchema), ctx.req),
        { role: 'member' },
      ),
    },
  },
  '/tenants/{tenant}/topics/{topic}/search/{searchId}': {
    DELETE: {
      summary: 'Cancel a running search (closing its stream cancels it too)',
      tag: 'topics',
      access: 'tenant_member',
      status: 204,
      handler: withTenant<TopicParams & { searchId: string }>(
        async (ctx) => cancelSearch(ctx.tenant, ctx.params.topic, ctx.params.searchId),
        { role: 'member' },
      ),
    },
  },
  '/tenants/{tenant}/groups': {
    GET: {
      summary: "A tenant's consumer groups: status, members, topics, total and time lag, last hour's lag sparkline",
      tag: 'consumer-groups',
      access: 'tenant_member',
      query: groupListQuerySchema,
      response: groupListSchema,
      handler: withTenant(async (ctx) => listTenantGroups(ctx.tenant, ctx.query(groupListQuerySchema)), {
        role: 'member',
      }),
    },
  },
  '/tenants/{tenant}/groups/{group}': {
    GET: {
      summary: 'A consumer group: members and assignments, committed vs end offsets per partition, status history',
      tag: 'consumer-groups',
      access: 'tenant_member',
      response: groupDetailSchema,
      handler: withTenant<GroupParams>(async ({ tenant, params }) => getTenantGroup(tenant, params.group), {
        role: 'member',
      }),
    },
  },
  '/tenants/{tenant}/groups/{group}/lag': {
    GET: {
      summary: "A group's lag and time lag over a window (15m, 1h, 6h, 24h, 7d, 30d): per partition, topic and total",
      tag: 'consumer-groups',
      access: 'tenant_member',
      query: lagHistoryQuerySchema,
      response: lagHistorySchema,
      handler: withTenant<GroupParams>(
        async (ctx) => getTenantGroupHistory(ctx.tenant, ctx.params.group, ctx.query(lagHistoryQuerySchema)),
        { role: 'member' },
      ),
    },
  },
  '/tenants/{tenant}/groups/{group}/reset-offsets/preview': {
    POST: {
      summary: "Preview an offset reset (earliest, latest, timestamp, offset): each partition's new offset and lag",
      tag: 'consumer-groups',
      access: 'tenant_admin',
      body: resetOffsetsSchema,
      response: resetPlanSchema,
      handler: withTenant<GroupParams>(
        async (ctx) => previewGroupReset(ctx.tenant, ctx.params.group, await ctx.body(resetOffsetsSchema)),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/groups/{group}/reset-offsets': {
    POST: {
      summary: "Reset a group's offsets; only while the group has no members (409 otherwise); audited",
      tag: 'consumer-groups',
      access: 'tenant_admin',
      body: resetOffsetsSchema,
      response: resetPlanSchema,
      handler: withTenant<GroupParams>(
        async (ctx) => executeGroupReset(ctx.actor, ctx.tenant, ctx.params.group, await ctx.body(resetOffsetsSchema)),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/metrics/lag': {
    GET: {
      summary: "The tenant's consumer lag and status per group, topic and partition in the Prometheus text format",
      tag: 'consumer-groups',
      access: 'tenant_member',
      handler: withTenant(async ({ tenant }) => lagMetrics(tenant), { role: 'member' }),
    },
  },
  '/tenants/{tenant}/transactions': {
    GET: {
      summary:
        "A tenant's transactional ids: state, producer id and epoch, partitions, age and timeout, open ones first, and hanging transactions with the reason (read as the tenant)",
      tag: 'transactions',
      access: 'tenant_member',
      response: transactionListSchema,
      handler: withTenant(async ({ tenant }) => listTenantTransactions(tenant), { role: 'member' }),
    },
  },
  '/tenants/{tenant}/transactions/{transactionalId}/abort': {
    POST: {
      summary:
        "Abort a transactional id's open transaction by fencing the id as Kafka's Admin.fenceProducers does (its epoch is bumped, the old producer gets PRODUCER_FENCED); audited as `transaction.abort`",
      tag: 'transactions',
      access: 'tenant_admin',
      response: abortedTransactionSchema,
      handler: withTenant<TransactionParams>(
        async (ctx) => abortTenantTransaction(ctx.actor, ctx.tenant, ctx.params.transactionalId),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/schemas': {
    GET: {
      summary:
        "A tenant's subjects in the schema registry: latest version and id, format, compatibility level (own or the tenant's), soft-deleted flag, and the topics that use each by TopicNameStrategy (`<topic>-key`, `<topic>-value`)",
      tag: 'schemas',
      access: 'tenant_member',
      response: subjectListSchema,
      handler: withTenant(async ({ tenant }) => listSubjects(tenant), { role: 'member' }),
    },
  },
  '/tenants/{tenant}/schema-config': {
    GET: {
      summary: "The tenant's compatibility level, which subjects without their own follow (BACKWARD by default)",
      tag: 'schemas',
      access: 'tenant_member',
      response: tenantCompatibilitySchema,
      handler: withTenant(async ({ tenant }) => getTenantCompatibility(tenant), { role: 'member' }),
    },
    PUT: {
      summary: "Set the tenant's compatibility level; audited as `schema.compatibility`",
      tag: 'schemas',
      access: 'tenant_admin',
      body: setTenantCompatibilitySchema,
      response: tenantCompatibilitySchema,
      handler: withTenant(
        async (ctx) =>
          setTenantCompatibility(ctx.actor, ctx.tenant, (await ctx.body(setTenantCompatibilitySchema)).compatibility),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/schemas/{subject}': {
    GET: {
      summary:
        'One subject with every version (schema text, id, format, references; soft-deleted ones flagged), its compatibility level and the topics that use it',
      tag: 'schemas',
      access: 'tenant_member',
      response: subjectDetailSchema,
      handler: withTenant<SubjectParams>(async ({ tenant, params }) => getSubject(tenant, params.subject), {
        role: 'member',
      }),
    },
    DELETE: {
      summary:
        'Delete a subject: soft first (clients no longer see it), then with permanent=true for good; audited as `schema.delete`',
      tag: 'schemas',
      access: 'tenant_admin',
      query: deleteQuerySchema,
      response: deletedSchema,
      handler: withTenant<SubjectParams>(
        async (ctx) => deleteSubject(ctx.actor, ctx.tenant, ctx.params.subject, ctx.query(deleteQuerySchema).permanent),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/schemas/{subject}/versions': {
    POST: {
      summary:
        "Register a schema as the subject's next version: the compatibility check runs first and an incompatible schema gets 409 with the registry's reasons (in fieldErrors.schema); the same schema again answers its version (created false); audited as `schema.register`",
      tag: 'schemas',
      access: 'tenant_admin',
      body: newSchemaSchema,
      response: registeredSchema,
      handler: withTenant<SubjectParams>(
        async (ctx) => {
          const registered = await registerSchema(
            ctx.actor,
            ctx.tenant,
            ctx.params.subject,
            await ctx.body(newSchemaSchema),
          );
          return json(registered, { status: registered.created ? 201 : 200 });
        },
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/schemas/{subject}/versions/{version}': {
    GET: {
      summary: "One version of a subject (a number, or 'latest')",
      tag: 'schemas',
      access: 'tenant_member',
      response: schemaVersionSchema,
      handler: withTenant<SubjectVersionParams>(
        async ({ tenant, params }) => getVersion(tenant, params.subject, versionParam(params.version)),
        { role: 'member' },
      ),
    },
    DELETE: {
      summary: 'Delete one version: soft first, then with permanent=true for good; audited as `schema.delete_version`',
      tag: 'schemas',
      access: 'tenant_admin',
      query: deleteQuerySchema,
      response: deletedSchema,
      handler: withTenant<SubjectVersionParams>(
        async (ctx) => {
          const version = versionParam(ctx.params.version);
          if (version === 'latest') {
            throw new ApiError('validation_failed', 'Name the version to delete by its number', {
              version: ['a number from 1'],
            });
          }
          return deleteVersion(
            ctx.actor,
            ctx.tenant,
            ctx.params.subject,
            version,
            ctx.query(deleteQuerySchema).permanent,
          );
        },
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/schemas/{subject}/check': {
    POST: {
      summary:
        "Check a schema against the subject's versions under its compatibility level without registering it: compatible or not, with the registry's reasons",
      tag: 'schemas',
      access: 'tenant_member',
      body: newSchemaSchema,
      response: compatibilityResultSchema,
      handler: withTenant<SubjectParams>(
        async (ctx) => checkSchema(ctx.tenant, ctx.params.subject, await ctx.body(newSchemaSchema)),
        { role: 'member' },
      ),
    },
  },
  '/tenants/{tenant}/schemas/{subject}/config': {
    GET: {
      summary: "A subject's compatibility level in force, and whether it is its own or the tenant's",
      tag: 'schemas',
      access: 'tenant_member',
      response: subjectCompatibilitySchema,
      handler: withTenant<SubjectParams>(
        async ({ tenant, params }) => getSubjectCompatibility(tenant, params.subject),
        { role: 'member' },
      ),
    },
    PUT: {
      summary:
        "Set a subject's own compatibility level, or with null let it follow the tenant's again; audited as `schema.compatibility`",
      tag: 'schemas',
      access: 'tenant_admin',
      body: setSubjectCompatibilitySchema,
      response: subjectCompatibilitySchema,
      handler: withTenant<SubjectParams>(
        async (ctx) =>
          setSubjectCompatibility(
            ctx.actor,
            ctx.tenant,
            ctx.params.subject,
            (await ctx.body(setSubjectCompatibilitySchema)).compatibility,
          ),
        { role: 'admin' },
      ),
    },
  },
  ...processorRoutes,
  ...clusterRoutes,
  '/tenants/{tenant}/service-accounts': {
    GET: {
      summary: 'Service accounts of a tenant',
      tag: 'credentials',
      access: 'tenant_member',
      handler: withTenant(async ({ tenant }) => listServiceAccounts(tenant), { role: 'member' }),
    },
    POST: {
      summary: 'Create a service account',
      tag: 'credentials',
      access: 'tenant_admin',
      body: createServiceAccountSchema,
      handler: withTenant(
        async (ctx) =>
          json(await createServiceAccount(ctx.actor, ctx.tenant, await ctx.body(createServiceAccountSchema)), {
            status: 201,
          }),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/service-accounts/{name}': {
    DELETE: {
      summary: 'Delete a service account and its keys',
      tag: 'credentials',
      access: 'tenant_admin',
      status: 204,
      handler: withTenant<{ tenant: string; name: string }>(
        async (ctx) => deleteServiceAccount(ctx.actor, ctx.tenant, ctx.params.name),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/api-keys': {
    GET: {
      summary: 'API keys of a tenant (never their secrets)',
      tag: 'credentials',
      access: 'tenant_member',
      response: z.array(apiKeySchema),
      handler: withTenant(async ({ tenant }) => listApiKeys(tenant), { role: 'member' }),
    },
    POST: {
      summary:
        "Create an API key; the secret is in this response only. Members only when the tenant's self-service mode is DIRECT, else they request it",
      tag: 'credentials',
      access: 'tenant_member',
      body: createApiKeySchema,
      response: createdApiKeySchema,
      handler: withTenant(
        async (ctx) => {
          assertMayCreateDirectly(ctx.tenant, ctx.role, 'API keys');
          return json(await createApiKey(ctx.actor, ctx.tenant, await ctx.body(createApiKeySchema)), { status: 201 });
        },
        { role: 'member' },
      ),
    },
  },
  '/tenants/{tenant}/api-keys/{keyId}': {
    DELETE: {
      summary: 'Revoke an API key',
      tag: 'credentials',
      access: 'tenant_admin',
      status: 204,
      handler: withTenant<{ tenant: string; keyId: string }>(
        async (ctx) => revokeApiKey(ctx.actor, ctx.tenant, ctx.params.keyId),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/acls': {
    GET: {
      summary: 'ACL bindings of a tenant',
      tag: 'acls',
      access: 'tenant_member',
      response: z.array(aclBindingRowSchema),
      handler: withTenant(async ({ tenant }) => listAcls(tenant), { role: 'member' }),
    },
    POST: {
      summary: 'Add ACL bindings, raw or from a preset (producer, consumer, tenant_admin)',
      tag: 'acls',
      access: 'tenant_admin',
      body: createAclSchema,
      handler: withTenant(
        async (ctx) => {
          const input = await ctx.body(createAclSchema);
          const bindings = 'bindings' in input ? input.bindings : expandPreset(input);
          return json(await addAcls(ctx.actor, ctx.tenant, bindings), { status: 201 });
        },
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/acls/{id}': {
    DELETE: {
      summary: 'Remove an ACL binding',
      tag: 'acls',
      access: 'tenant_admin',
      status: 204,
      handler: withTenant<{ tenant: string; id: string }>(
        async (ctx) => removeAcl(ctx.actor, ctx.tenant, ctx.params.id),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/self-service': {
    GET: {
      summary: 'Whether members create topics and API keys directly (DIRECT) or request them (REQUEST)',
      tag: 'requests',
      access: 'tenant_member',
      response: selfServiceSchema,
      handler: withTenant(async ({ tenant }) => getSelfService(tenant), { role: 'member' }),
    },
    PUT: {
      summary: 'Choose whether members create topics and API keys directly or request them; audited',
      tag: 'requests',
      access: 'tenant_admin',
      body: selfServiceSchema,
      response: selfServiceSchema,
      handler: withTenant(async (ctx) => setSelfService(ctx.actor, ctx.tenant, await ctx.body(selfServiceSchema)), {
        role: 'admin',
      }),
    },
  },
  '/tenants/{tenant}/requests': {
    GET: {
      summary: "A tenant's requests, newest first, with the quota impact of approving each pending one",
      tag: 'requests',
      access: 'tenant_member',
      query: listRequestsQuerySchema,
      response: requestListSchema,
      handler: withTenant(async (ctx) => listRequests(ctx.actor, ctx.tenant, ctx.query(listRequestsQuerySchema)), {
        role: 'member',
      }),
    },
    POST: {
      summary:
        'Request a topic, ACL bindings, an API key (tenant admins decide) or a quota raise (platform admins decide), saying why; open requests are bounded per tenant and per user',
      tag: 'requests',
      access: 'tenant_member',
      body: createRequestSchema,
      response: requestSchema,
      handler: withTenant(
        async (ctx) =>
          json(await createRequest(ctx.actor, ctx.tenant, await ctx.body(createRequestSchema)), { status: 201 }),
        { role: 'member' },
      ),
    },
  },
  '/tenants/{tenant}/requests/{id}': {
    GET: {
      summary: 'One request: what, who asked and why, its state and decision, and the quota impact while pending',
      tag: 'requests',
      access: 'tenant_member',
      response: requestSchema,
      handler: withTenant<{ tenant: string; id: string }>(async ({ tenant, params }) => getRequest(tenant, params.id), {
        role: 'member',
      }),
    },
  },
  '/tenants/{tenant}/requests/{id}/approve': {
    POST: {
      summary:
        'Approve a pending request: the change is made now (an API key is then created by its requester); quota raises need a platform admin',
      tag: 'requests',
      access: 'tenant_admin',
      body: decisionSchema,
      response: requestSchema,
      handler: withTenant<{ tenant: string; id: string }>(
        async (ctx) => approveRequest(ctx.actor, ctx.tenant, ctx.role, ctx.params.id, await ctx.body(decisionSchema)),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/requests/{id}/reject': {
    POST: {
      summary: 'Reject a pending request with a comment saying why; quota raises need a platform admin',
      tag: 'requests',
      access: 'tenant_admin',
      body: decisionSchema,
      response: requestSchema,
      handler: withTenant<{ tenant: string; id: string }>(
        async (ctx) => rejectRequest(ctx.actor, ctx.tenant, ctx.role, ctx.params.id, await ctx.body(decisionSchema)),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/requests/{id}/cancel': {
    POST: {
      summary: 'The requester withdraws a pending (or approved, not yet collected) request',
      tag: 'requests',
      access: 'tenant_member',
      response: requestSchema,
      handler: withTenant<{ tenant: string; id: string }>(
        async (ctx) => cancelRequest(ctx.actor, ctx.tenant, ctx.params.id),
        { role: 'member' },
      ),
    },
  },
  '/tenants/{tenant}/requests/{id}/api-key': {
    POST: {
      summary:
        'The requester creates the API key an admin approved; the secret is in this response only (it is never stored)',
      tag: 'requests',
      access: 'tenant_member',
      response: createdApiKeySchema,
      handler: withTenant<{ tenant: string; id: string }>(
        async (ctx) => json(await collectApprovedKey(ctx.actor, ctx.tenant, ctx.params.id), { status: 201 }),
        { role: 'member' },
      ),
    },
  },
  '/tenants/{tenant}/members': {
    GET: {
      summary: 'Members of a tenant and their roles',
      tag: 'users',
      access: 'tenant_member',
      handler: withTenant(async ({ tenant }) => listMembers(tenant), { role: 'member' }),
    },
    POST: {
      summary:
        'Invite a member by email: returns a single-use link (shown once) where the invitee sets their own password or signs in',
      tag: 'users',
      access: 'tenant_admin',
      body: addMemberSchema,
      response: createdInvitationSchema,
      handler: withTenant(
        async (ctx) =>
          json(await inviteMember(ctx.actor, ctx.tenant, await ctx.body(addMemberSchema), requestOrigin(ctx.req)), {
            status: 201,
          }),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/invitations': {
    GET: {
      summary: "A tenant's pending invitations (never their links)",
      tag: 'users',
      access: 'tenant_admin',
      response: z.array(invitationSchema),
      handler: withTenant(async ({ tenant }) => listInvitations(tenant), { role: 'admin' }),
    },
  },
  '/tenants/{tenant}/invitations/{id}': {
    DELETE: {
      summary: 'Revoke a pending invitation: its link stops working',
      tag: 'users',
      access: 'tenant_admin',
      status: 204,
      handler: withTenant<{ tenant: string; id: string }>(
        async (ctx) => revokeInvitation(ctx.actor, ctx.tenant, ctx.params.id),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/members/{user}': {
    DELETE: {
      summary: 'Remove a member from a tenant',
      tag: 'users',
      access: 'tenant_admin',
      status: 204,
      handler: withTenant<{ tenant: string; user: string }>(
        async (ctx) => removeMember(ctx.actor, ctx.tenant, ctx.params.user),
        { role: 'admin' },
      ),
    },
  },
  '/tenants/{tenant}/audit': {
    GET: {
      summary: "A tenant's audit log",
      tag: 'audit',
      access: 'tenant_admin',
      query: auditQuerySchema,
      handler: withTenant(async (ctx) => listAudit(ctx.query(auditQuerySchema), ctx.tenant.id), { role: 'admin' }),
    },
  },
  '/audit': {
    GET: {
      summary: 'The whole audit log with filters',
      tag: 'audit',
      access: 'platform_admin',
      query: auditQuerySchema,
      handler: withAuth(
        async (ctx) => {
          const q = ctx.query(auditQuerySchema);
          if (q.tenant) {
            const t = await db().tenant.findUnique({ where: { slug: q.tenant } });
            return t ? listAudit(q, t.id) : [];
          }
          return listAudit(q);
        },
        { platformAdmin: true },
      ),
    },
  },
  '/requests': {
    GET: {
      summary: 'Pending requests of every tenant, oldest first (quota raises wait for a platform admin)',
      tag: 'requests',
      access: 'platform_admin',
      query: pendingRequestsQuerySchema,
      response: pendingRequestListSchema,
      handler: withAuth(async (ctx) => listPendingRequests(ctx.query(pendingRequestsQuerySchema)), {
        platformAdmin: true,
      }),
    },
  },
  '/overview': {
    GET: {
      summary:
        "The platform admin's home: hub health with reasons, totals, top tenants and topics by traffic and storage, groups needing attention, recent audit",
      tag: 'overview',
      access: 'platform_admin',
      response: platformOverviewSchema,
      handler: withAuth(async () => platformOverview(), { platformAdmin: true }),
    },
  },
  '/overview/traffic': {
    GET: {
      summary: "The hub's produce/fetch bytes and records per second and storage over a window (15m to 30d)",
      tag: 'overview',
      access: 'platform_admin',
      query: trafficHistoryQuerySchema,
      response: trafficHistorySchema,
      handler: withAuth(
        async (ctx) => trafficHistory({ tenantIds: 'all' }, ctx.query(trafficHistoryQuerySchema).window),
        { platformAdmin: true },
      ),
    },
  },
  '/groups': {
    GET: {
      summary: 'Consumer groups of every tenant (and outside tenants), with their tenant',
      tag: 'consumer-groups',
      access: 'platform_admin',
      query: groupListQuerySchema,
      response: groupListSchema,
      handler: withAuth(async (ctx) => listAllGroups(ctx.query(groupListQuerySchema)), { platformAdmin: true }),
    },
  },
  '/transactions': {
    GET: {
      summary: "Every tenant's transactional ids with their tenant, and hanging transactions (read as the superuser)",
      tag: 'transactions',
      access: 'platform_admin',
      response: transactionListSchema,
      handler: withAuth(async () => listAllTransactions(), { platformAdmin: true }),
    },
  },
  '/search': {
    GET: {
      summary:
        'Global search (Ctrl-K): tenants, topics, consumer groups and processors whose name contains `q`, among those the caller may see (bounded by `limit`, at most 50)',
      tag: 'search',
      access: 'user',
      query: globalSearchQuerySchema,
      response: globalSearchResponseSchema,
      handler: withAuth(async (ctx) => globalSearch(ctx.actor, ctx.query(globalSearchQuerySchema))),
    },
  },
  '/metrics/lag': {
    GET: {
      summary: 'Consumer lag and status per group, topic and partition in the Prometheus text format',
      tag: 'consumer-groups',
      access: 'platform_admin',
      handler: withAuth(async () => lagMetrics(), { platformAdmin: true }),
    },
  },
  '/users': {
    GET: {
      summary: 'Console users',
      tag: 'users',
      access: 'platform_admin',
      handler: withAuth(async () => listUsers(), { platformAdmin: true }),
    },
    POST: {
      summary: 'Create a console user with tenant roles',
      tag: 'users',
      access: 'platform_admin',
      body: createUserSchema,
      handler: withAuth(
        async (ctx) => json(await createUser(ctx.actor, await ctx.body(createUserSchema)), { status: 201 }),
        { platformAdmin: true },
      ),
    },
  },
  '/users/{user}': {
    GET: {
      summary: 'One user (by id or email)',
      tag: 'users',
      access: 'platform_admin',
      handler: withAuth<{ user: string }>(async (ctx) => userView(await findUser(ctx.params.user)), {
        platformAdmin: true,
      }),
    },
    PATCH: {
      summary:
        'Edit a user: name, password, platform admin, disabled (a new password or disabling revokes their tokens and sessions)',
      tag: 'users',
      access: 'platform_admin',
      body: updateUserSchema,
      handler: withAuth<{ user: string }>(
        async (ctx) =>
          updateUser(ctx.actor, ctx.params.user, await ctx.body(updateUserSchema), sessionTokenOf(ctx.req)),
        { platformAdmin: true },
      ),
    },
    DELETE: {
      summary: 'Delete a user',
      tag: 'users',
      access: 'platform_admin',
      status: 204,
      handler: withAuth<{ user: string }>(async (ctx) => deleteUser(ctx.actor, ctx.params.user), {
        platformAdmin: true,
      }),
    },
  },
  '/users/{user}/tokens': {
    GET: {
      summary: "A user's personal API tokens (platform admins)",
      tag: 'users',
      access: 'platform_admin',
      response: z.array(apiTokenSchema),
      handler: withAuth<{ user: string }>(async (ctx) => listApiTokens(await findUser(ctx.params.user)), {
        platformAdmin: true,
      }),
    },
  },
  '/users/{user}/tokens/{id}': {
    DELETE: {
      summary: "Revoke a user's personal API token (platform admins)",
      tag: 'users',
      access: 'platform_admin',
      status: 204,
      handler: withAuth<{ user: string; id: string }>(
        async (ctx) => revokeApiToken(ctx.actor, await findUser(ctx.params.user), ctx.params.id),
        { platformAdmin: true },
      ),
    },
  },
};
