/** A managed cluster's last reconcile as a badge: healthy, drift repaired, refusals, unreachable (or not run yet). */
import { Badge } from '../../../components/ui/badge.tsx';
import type { ClusterStatus } from '../schemas.ts';

const TONE = { healthy: 'good', drift_repaired: 'info', refusals: 'warn', unreachable: 'bad' } as const;
const LABEL: Record<ClusterStatus, string> = {
  healthy: 'healthy',
  drift_repaired: 'drift repaired',
  refusals: 'refusals',
  unreachable: 'unreachable',
};

export function ClusterStatusBadge({ status }: { status: ClusterStatus | null }) {
  if (!status) return <Badge tone="neutral">not reconciled yet</Badge>;
  return <Badge tone={TONE[status]}>{LABEL[status]}</Badge>;
}
