/** Audit-log filters, shared by the audit page and GET /api/v1/audit. */
import { z } from 'zod';

export const auditQuerySchema = z.object({
  tenant: z.string().optional().describe('tenant slug (platform-wide listing only)'),
  action: z.string().optional().describe('exact action, e.g. topic.create'),
  actor: z.string().optional().describe('actor email contains'),
  before: z.coerce.number().int().optional().describe('return entries with id below this (paging)'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const auditEntrySchema = z.object({
  id: z.number(),
  at: z.string(),
  actorEmail: z.string(),
  tenantId: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
});
