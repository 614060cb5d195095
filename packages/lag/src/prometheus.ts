/**
 * Prometheus text exposition (format 0.0.4) of the latest evaluations: lag, time lag and offsets per group, topic
 * and partition, and the status per group (one-hot over every status, so `== 1` alerts read naturally) and per
 * partition (a numeric code). Pure: give it evaluations and snapshots, get text.
 */
import {
  STATUS_SEVERITY,
  type GroupEvaluation,
  type GroupSnapshot,
  type GroupStatus,
  type PartitionStatus,
} from './types.ts';

const GROUP_STATUSES: GroupStatus[] = ['OK', 'WARNING', 'REWIND', 'STALLED', 'STOPPED', 'EMPTY', 'INACTIVE'];
/** Numeric partition status for `samsa_consumergroup_partition_status`. */
export const PARTITION_STATUS_CODE: Record<PartitionStatus, number> = {
  OK: 0,
  WARNING: 1,
  REWIND: 2,
  STALLED: 3,
  STOPPED: 4,
};

export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(l: Record<string, string | number>): string {
  if (Object.keys(l).length === 0) return '';
  return `{${Object.entries(l)
    .map(([k, v]) => `${k}="${escapeLabel(String(v))}"`)
    .join(',')}}`;
}

class Family {
  readonly lines: string[] = [];
  readonly name: string;
  constructor(name: string, help: string, type: 'gauge' | 'counter' = 'gauge') {
    this.name = name;
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }
  add(l: Record<string, string | number>, value: number): void {
    this.addRendered(labels(l), value);
  }
  /** With labels already rendered by `labels` (shared by several families). */
  addRendered(renderedLabels: string, value: number): void {
    this.lines.push(`${this.name}${renderedLabels} ${Number.isFinite(value) ? value : 'NaN'}`);
  }
}

export interface CollectorStats {
  lastPassAtMs: number | null;
  lastPassDurationMs: number | null;
  lastError: string | null;
  passesOk?: number;
  passesFailed?: number;
  groupsWithErrors?: number;
  /** Webhook attempts the destination policy refused (platform-wide; left out of tenant scrapes). */
  webhookDestinationsRefused?: number;
}

export function renderPrometheus(
  evaluations: GroupEvaluation[],
  snapshots: (groupId: string) => GroupSnapshot | undefined,
  stats?: CollectorStats,
): string {
  const lag = new Family('samsa_consumergroup_lag', 'Messages the group has not consumed, per partition.');
  const timeLag = new Family(
    'samsa_consumergroup_time_lag_seconds',
    'How far behind in time the group is, per partition.',
  );
  const committed = new Family('samsa_consumergroup_committed_offset', "The group's committed offset, per partition.");
  const end = new Family('samsa_consumergroup_log_end_offset', "The partition's log-end offset when sampled.");
  const noCommit = new Family(
    'samsa_consumergroup_no_committed_offset',
    "1 when the group has no committed offset on the partition: its lag counts from the group's reset position.",
  );
  const pStatus = new Family(
    'samsa_consumergroup_partition_status',
    'Partition status: 0 OK, 1 WARNING, 2 REWIND, 3 STALLED, 4 STOPPED.',
  );
  const totalLag = new Family('samsa_consumergroup_total_lag', "Sum of the group's partition lags.");
  const maxTimeLag = new Family('samsa_consumergroup_max_time_lag_seconds', "The group's largest partition time lag.");
  const members = new Family('samsa_consumergroup_members', 'Live members of the group.');
  const status = new Family('samsa_consumergroup_status', "1 for the group's current status, 0 for the others.");
  const severity = new Family(
    'samsa_consumergroup_status_severity',
    'Severity of the group status: 0 fine .. 4 STOPPED.',
  );
  const groupError = new Family(
    'samsa_consumergroup_read_error',
    '1 when the group could not be (fully) read in the last pass; the console shows why.',
  );
  for (const e of evaluations) {
    const g = { group: e.groupId, tenant: e.tenantId ?? '' };
    const gl = labels(g);
    const groupPrefix = gl.slice(0, -1);
    const snap = snapshots(e.groupId);
    const byKey = new Map(snap?.partitions.map((p) => [`${p.topic}\u0000${p.partition}`, p]) ?? []);
    for (const p of e.partitions) {
      const l = `${groupPrefix},topic="${escapeLabel(p.topic)}",partition="${p.partition}"}`;
      lag.addRendered(l, p.lag);
      if (p.timeLagMs !== null) timeLag.addRendered(l, p.timeLagMs / 1000);
      const s = byKey.get(`${p.topic}\u0000${p.partition}`);
      if (s) {
        if (s.committedOffset !== null) committed.addRendered(l, s.committedOffset);
        end.addRendered(l, s.logEndOffset);
      }
      noCommit.addRendered(l, p.noCommittedOffset ? 1 : 0);
      pStatus.addRendered(l, PARTITION_STATUS_CODE[p.status]);
    }
    totalLag.addRendered(gl, e.totalLag);
    if (e.maxTimeLagMs !== null) maxTimeLag.addRendered(gl, e.maxTimeLagMs / 1000);
    members.addRendered(gl, e.members);
    for (const st of GROUP_STATUSES) status.addRendered(`${groupPrefix},status="${st}"}`, st === e.status ? 1 : 0);
    severity.addRendered(gl, STATUS_SEVERITY[e.status]);
    groupError.addRendered(gl, e.error ? 1 : 0);
  }
  const families = [
    lag,
    timeLag,
    committed,
    end,
    noCommit,
    pStatus,
    totalLag,
    maxTimeLag,
    members,
    status,
    severity,
    groupError,
  ];
  if (stats) {
    const at = new Family('samsa_lag_collector_last_pass_timestamp_seconds', 'When the last collection pass started.');
    const took = new Family(
      'samsa_lag_collector_last_pass_duration_seconds',
      'How long the last collection pass took.',
    );
    const up = new Family('samsa_lag_collector_up', '1 when the last collection pass succeeded.');
    if (stats.lastPassAtMs !== null) at.add({}, stats.lastPassAtMs / 1000);
    if (stats.lastPassDurationMs !== null) took.add({}, stats.lastPassDurationMs / 1000);
    up.add({}, stats.lastError === null && stats.lastPassAtMs !== null ? 1 : 0);
    families.push(at, took, up);
    if (stats.passesOk !== undefined && stats.passesFailed !== undefined) {
      const passes = new Family('samsa_lag_collector_passes_total', 'Collection passes by outcome.', 'counter');
      passes.add({ outcome: 'ok' }, stats.passesOk);
      passes.add({ outcome: 'failed' }, stats.passesFailed);
      families.push(passes);
    }
    if (stats.groupsWithErrors !== undefined) {
      const bad = new Family('samsa_lag_collector_groups_with_errors', 'Groups the last pass could not fully read.');
      bad.add({}, stats.groupsWithErrors);
      families.push(bad);
    }
    if (stats.webhookDestinationsRefused !== undefined) {
      const refused = new Family(
        'samsa_lag_webhook_destinations_refused_total',
        'Webhook deliveries refused because the destination is not an allowed address.',
        'counter',
      );
      refused.add({}, stats.webhookDestinationsRefused);
      families.push(refused);
    }
  }
  return `${families.map((f) => f.lines.join('\n')).join('\n')}\n`;
}
