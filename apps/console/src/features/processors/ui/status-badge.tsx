import { Badge } from '../../../components/ui/badge.tsx';
import { enumText } from './format.ts';

const TONE: Record<string, 'good' | 'warn' | 'bad' | 'info' | 'neutral'> = {
  running: 'good',
  pending: 'info',
  paused: 'neutral',
  throttled: 'warn',
  errored: 'bad',
};

/** A processor's status as the host reported it; the reason is the tooltip (and shown beside it on the page). */
export function ProcessorStatusBadge({ status, reason }: { status: string; reason?: string | null }) {
  const s = enumText(status);
  return (
    <Badge tone={TONE[s] ?? 'neutral'} title={reason ?? undefined} data-status={s}>
      {s}
    </Badge>
  );
}
