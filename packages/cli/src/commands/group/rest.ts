/**
 * `samsa group --tenant T` through the console's /api/v1 with the saved login (or --url/--token, SAMSA_URL/
 * SAMSA_TOKEN), like every other admin command: a tenant's members list groups and read their lag, its admins
 * reset offsets. Names are the tenant's own (`billing`, `orders`). The console's lag collector does the sampling.
 */
import { apiRequest } from '../admin/api-client.ts';
import type { GroupDetail, GroupMemberInfo, ResetRow } from '@samsa/lag';
import type { GroupLag, GroupRow } from './output.ts';
import { partitionRow, printDescribe, printLag, printList, printReset } from './output.ts';

/** The parts of the console's answers this command reads (apps/console/src/features/consumer-groups/schemas.ts). */
interface ApiGroupListItem extends GroupRow {
  name: string;
  tenant: string | null;
}
interface ApiGroupDetail extends Omit<GroupRow, 'members' | 'groupId'> {
  name: string;
  members: (Omit<GroupMemberInfo, 'assignments'> & { assignments: { topic: string; partitions: number[] }[] })[];
  partitions: GroupDetail['partitions'];
  statusHistory: { atMs: number; from: string | null; to: string; reason: string; totalLag: number }[];
}
interface ApiResetPlan {
  name: string;
  state: string;
  members: number;
  executable: boolean;
  blockedBecause: string | null;
  rows: ResetRow[];
  applied: boolean;
}

export interface RestOptions {
  target: { url: string; token: string | undefined };
  /** Tenant slug; null: every tenant's groups (`list --all-tenants`, platform admins). */
  tenant: string | null;
  json: boolean;
}

export type ResetBody = {
  to: 'earliest' | 'latest' | 'timestamp' | 'offset';
  timestampMs?: number;
  offset?: number;
  topics?: { topic: string; partitions?: number[] }[];
};

type Sub =
  | { sub: 'list' }
  | { sub: 'lag' | 'describe'; groupId: string }
  | { sub: 'reset-offsets'; groupId: string; body: ResetBody; execute: boolean };

function listRow(g: ApiGroupListItem): GroupRow & { tenant: string | null } {
  return {
    groupId: g.name,
    tenant: g.tenant,
    status: g.status,
    reason: g.reason,
    state: g.state,
    members: g.members,
    topics: g.topics,
    totalLag: g.totalLag,
    maxTimeLagMs: g.maxTimeLagMs,
    evaluatedAtMs: g.evaluatedAtMs,
    error: g.error,
  };
}

function lagView(d: ApiGroupDetail): GroupLag & { statusHistory: ApiGroupDetail['statusHistory'] } {
  return {
    groupId: d.name,
    status: d.status,
    reason: d.reason,
    state: d.state,
    topics: d.topics,
    totalLag: d.totalLag,
    maxTimeLagMs: d.maxTimeLagMs,
    evaluatedAtMs: d.evaluatedAtMs,
    error: d.error,
    members: d.members.map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignments: Object.fromEntries(m.assignments.map((a) => [a.topic, a.partitions])),
    })),
    partitions: d.partitions.map(partitionRow),
    statusHistory: d.statusHistory,
  };
}

export async function runRest(options: RestOptions, command: Sub): Promise<void> {
  const { target, json } = options;
  if (options.tenant === null) {
    // Only `list` reaches here without a tenant (checked by the caller).
    const res = await apiRequest<{ groups: ApiGroupListItem[] }>(target, 'GET', '/groups?sparkline=false');
    // Across tenants the broker's names (`acme.billing`) are the unambiguous ones.
    printList(
      res.groups.map((g) => ({ ...listRow(g), groupId: g.groupId })),
      json,
    );
    return;
  }
  const base = `/tenants/${encodeURIComponent(options.tenant)}/groups`;
  if (command.sub === 'list') {
    const res = await apiRequest<{ groups: ApiGroupListItem[]; collector: { lastError: string | null } }>(
      target,
      'GET',
      `${base}?sparkline=false`,
    );
    if (res.collector.lastError && !json)
      process.stderr.write(`warning: the console's lag collector failed its last pass: ${res.collector.lastError}\n`);
    printList(res.groups.map(listRow), json);
    return;
  }
  const group = `${base}/${encodeURIComponent(command.groupId)}`;
  if (command.sub === 'reset-offsets') {
    const plan = await apiRequest<ApiResetPlan>(
      target,
      'POST',
      command.execute ? `${group}/reset-offsets` : `${group}/reset-offsets/preview`,
      command.body,
    );
    const { name, applied, ...rest } = plan;
    printReset({ groupId: name, ...rest, executed: applied }, json);
    return;
  }
  const detail = await apiRequest<ApiGroupDetail>(target, 'GET', group);
  (command.sub === 'lag' ? printLag : printDescribe)(lagView(detail), json);
}
