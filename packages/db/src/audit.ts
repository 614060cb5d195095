/** Writes audit-log entries: who changed what, with the state before and after. */
import type { Db } from './client.ts';
import type { Prisma } from './generated/prisma/client.ts';

export interface AuditEntry {
  actorId: string | null;
  actorEmail: string;
  tenantId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
}

/** JSON-safe copy: BigInt becomes a string, Dates ISO strings. Secrets must never be passed in. */
function toJson(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

type Tx = Pick<Db, 'auditLog'>;

export async function recordAudit(db: Tx, entry: AuditEntry): Promise<void> {
  await db.auditLog.create({
    data: {
      actorId: entry.actorId,
      actorEmail: entry.actorEmail,
      tenantId: entry.tenantId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      before: toJson(entry.before),
      after: toJson(entry.after),
    },
  });
}
