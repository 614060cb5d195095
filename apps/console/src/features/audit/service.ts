/** Reads the audit log with filters; tenant-scoped listing never sees other tenants' entries. */
import type { Prisma } from '@samsa/db';
import { db } from '../../server/db.ts';
import type { AuditQuery } from './schemas.ts';

export async function listAudit(q: AuditQuery, tenantId?: string | null) {
  const where: Prisma.AuditLogWhereInput = {};
  if (tenantId !== undefined) where.tenantId = tenantId;
  if (q.action) where.action = q.action;
  if (q.actor) where.actorEmail = { contains: q.actor, mode: 'insensitive' };
  if (q.before) where.id = { lt: BigInt(q.before) };
  const rows = await db().auditLog.findMany({ where, orderBy: { id: 'desc' }, take: q.limit });
  return rows.map((r) => ({ ...r, id: Number(r.id), at: r.at.toISOString() }));
}
