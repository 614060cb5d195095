import { Badge } from '../../../components/ui/badge.tsx';
import type { GroupStatusName } from '../schemas.ts';

const TONE: Record<GroupStatusName, 'good' | 'warn' | 'bad' | 'info' | 'neutral'> = {
  OK: 'good',
  WARNING: 'warn',
  REWIND: 'info',
  STALLED: 'bad',
  STOPPED: 'bad',
  EMPTY: 'neutral',
  INACTIVE: 'neutral',
};

/** A group's (or partition's) status; the rule that decided it is the tooltip. */
export function StatusBadge({ status, reason }: { status: string; reason?: string }) {
  return (
    <Badge tone={TONE[status as GroupStatusName] ?? 'neutral'} title={reason} data-status={status}>
      {status}
    </Badge>
  );
}
