/** Consumer groups that need someone to look (lag collector statuses), and recent audit entries. */
import Link from 'next/link';
import type { z } from 'zod';
import { Empty } from '../../../components/ui/states.tsx';
import { StatusBadge } from '../../consumer-groups/ui/status-badge.tsx';
import { formatTime } from '../../consumer-groups/ui/format.ts';
import type { attentionGroupSchema } from '../schemas.ts';

type AttentionGroup = z.infer<typeof attentionGroupSchema>;

export function AttentionGroups({ groups }: { groups: AttentionGroup[] }) {
  return (
    <section aria-label="Groups needing attention" className="rounded border border-slate-200 bg-white p-3">
      <h3 className="mb-2 text-sm font-semibold text-slate-700">Groups needing attention</h3>
      {groups.length === 0 ? (
        <Empty>Every consumer group is keeping up.</Empty>
      ) : (
        <ul className="space-y-1 text-sm" data-testid="attention-groups">
          {groups.map((g) => (
            <li key={`${g.tenant}/${g.name}`} className="flex flex-wrap items-center gap-2">
              <StatusBadge status={g.status} />
              {g.tenant ? (
                <Link
                  className="text-indigo-700 hover:underline"
                  href={`/t/${g.tenant}/groups/${encodeURIComponent(g.name)}`}
                >
                  {g.tenant}/{g.name}
                </Link>
              ) : (
                <span>{g.name}</span>
              )}
              {g.reason ? <span className="text-slate-500">{g.reason}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface AuditRow {
  id: number;
  at: string;
  actorEmail: string;
  action: string;
  targetType: string;
  targetId: string;
}

export function RecentAudit({ title, entries, moreHref }: { title: string; entries: AuditRow[]; moreHref: string }) {
  return (
    <section aria-label={title} className="rounded border border-slate-200 bg-white p-3">
      <div className="mb-2 flex items-center justify-between">
        <h3 className="text-sm font-semibold text-slate-700">{title}</h3>
        <Link className="text-xs text-indigo-700 hover:underline" href={moreHref}>
          Full audit log
        </Link>
      </div>
      {entries.length === 0 ? (
        <Empty>No changes yet.</Empty>
      ) : (
        <ul className="space-y-1 text-sm">
          {entries.map((e) => (
            <li key={e.id} className="flex flex-wrap gap-x-2">
              <span className="text-slate-500">{formatTime(Date.parse(e.at), true)}</span>
              <span className="font-mono text-xs leading-5">{e.action}</span>
              <span className="break-all">
                {e.targetType} {e.targetId}
              </span>
              <span className="text-slate-500">by {e.actorEmail}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
