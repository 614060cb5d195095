/** Self-service requests (topics, ACL bindings, API keys, quota raises) and the tenant's self-service mode: shared by the requests page and /api/v1. */
import { z } from 'zod';
import { aclBindingSchema } from '../acls/schemas.ts';
import { createApiKeySchema } from '../service-accounts/schemas.ts';
import { type QuotaInput, quotaSchema } from '../tenants/schemas.ts';
import { createTopicSchema } from '../topics/schemas.ts';

export const selfServiceModeSchema = z
  .enum(['REQUEST', 'DIRECT'])
  .describe('REQUEST: members request topics and API keys and an admin approves; DIRECT: members create them');

export const selfServiceSchema = z.object({ mode: selfServiceModeSchema });

/** Quota fields a tenant may ask the platform to raise; each a number (asking for "unlimited" is not offered). */
const raise = z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional();
const quotaRaiseSchema = z
  .object(Object.fromEntries(Object.keys(quotaSchema.shape).map((k) => [k, raise])) as Record<QuotaField, typeof raise>)
  .strict()
  .superRefine((q, ctx) => {
    if (Object.values(q).every((v) => v === undefined))
      ctx.addIssue({ code: 'custom', message: 'Name at least one quota to raise' });
    // The same bounds as the platform admin's quota form.
    for (const issue of quotaSchema.safeParse(q).error?.issues ?? [])
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  });
export type QuotaField = keyof QuotaInput;

const reasonSchema = z.string().trim().min(3, 'Say why (at least 3 characters)').max(2000);

export const createRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('TOPIC'), reason: reasonSchema, topic: createTopicSchema }),
  z.object({ kind: z.literal('ACL'), reason: reasonSchema, bindings: z.array(aclBindingSchema).min(1).max(20) }),
  z.object({ kind: z.literal('API_KEY'), reason: reasonSchema, apiKey: createApiKeySchema }),
  z.object({ kind: z.literal('QUOTA'), reason: reasonSchema, quota: quotaRaiseSchema }),
]);
export type CreateRequestInput = z.infer<typeof createRequestSchema>;

export const decisionSchema = z.object({ comment: z.string().trim().max(2000).default('') });
export type DecisionInput = z.infer<typeof decisionSchema>;

export const requestStateSchema = z.enum(['PENDING', 'APPROVED', 'COMPLETED', 'REJECTED', 'CANCELLED']);

export const listRequestsQuerySchema = z.object({
  state: requestStateSchema.optional(),
  mine: z.enum(['true', 'false']).optional().describe('only the caller’s own requests'),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const pendingRequestsQuerySchema = z.object({
  kind: z.enum(['TOPIC', 'ACL', 'API_KEY', 'QUOTA']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

/** One quota the approval would change or use: now, after approval, and the limit (null = unlimited). */
export const impactLineSchema = z.object({
  what: z.string(),
  used: z.number().nullable(),
  after: z.number().nullable(),
  limit: z.number().nullable(),
  /** The approval would go over the limit (the broker would refuse a topic). */
  exceeds: z.boolean(),
});

export const requestSchema = z.object({
  id: z.string(),
  kind: z.enum(['TOPIC', 'ACL', 'API_KEY', 'QUOTA']),
  state: requestStateSchema,
  /** One line saying what is asked for. */
  title: z.string(),
  payload: z.unknown(),
  reason: z.string(),
  requesterEmail: z.string(),
  deciderEmail: z.string().nullable(),
  decisionComment: z.string().nullable(),
  decidedAt: z.string().nullable(),
  result: z.unknown().nullable(),
  createdAt: z.string(),
  /** Who decides: tenant admins, or platform admins for a quota raise. */
  approver: z.enum(['tenant_admin', 'platform_admin']),
  /** Quota impact of approving it; only on pending requests. */
  impact: z.array(impactLineSchema).nullable(),
});

export const requestListSchema = z.object({ requests: z.array(requestSchema), mode: selfServiceModeSchema });

export const pendingRequestListSchema = z.object({
  requests: z.array(requestSchema.extend({ tenant: z.string() })),
});
