/**
 * Offset resets for a consumer group, as kafka-consumer-groups.sh --reset-offsets does: to the earliest or latest
 * offset, to the first offset at or after a timestamp, or to a given offset (clamped into the log's range).
 * `planOffsetReset` previews the new offsets and lags without changing anything; `executeOffsetReset` applies a
 * plan, and refuses unless the group has no members (a live consumer would overwrite the reset on its next commit).
 */
import { z } from 'zod';
import { EARLIEST, type KafkaGroupAdmin, LATEST, partitionKey } from '@samsa/cluster';

export const ResetSpecSchema = z.discriminatedUnion('to', [
  z.object({ to: z.literal('earliest') }),
  z.object({ to: z.literal('latest') }),
  z.object({ to: z.literal('timestamp'), timestampMs: z.number().int().nonnegative() }),
  z.object({ to: z.literal('offset'), offset: z.number().int().nonnegative() }),
]);
export type ResetSpec = z.infer<typeof ResetSpecSchema>;

export interface ResetRow {
  topic: string;
  partition: number;
  /** Null when the group has never committed for this partition. */
  currentOffset: number | null;
  newOffset: number;
  logStartOffset: number;
  logEndOffset: number;
  currentLag: number | null;
  newLag: number;
}

export interface ResetPlan {
  groupId: string;
  state: string;
  members: number;
  spec: ResetSpec;
  /** True when the group is empty, so the plan may be executed. */
  executable: boolean;
  /** Why it may not be executed, when it may not. */
  blockedBecause: string | null;
  rows: ResetRow[];
}

export class ResetError extends Error {}

/** Pure: the new offset of one partition. `atTimestamp` is ListOffsets' answer for the spec's timestamp (-1: none). */
export function newOffsetFor(spec: ResetSpec, logStart: number, logEnd: number, atTimestamp: number | null): number {
  switch (spec.to) {
    case 'earliest':
      return logStart;
    case 'latest':
      return logEnd;
    case 'timestamp':
      return atTimestamp === null || atTimestamp < 0 ? logEnd : Math.min(Math.max(atTimestamp, logStart), logEnd);
    case 'offset':
      return Math.min(Math.max(spec.offset, logStart), logEnd);
  }
}

const EMPTY_STATES = new Set(['Empty', 'Dead']);

export async function planOffsetReset(
  admin: KafkaGroupAdmin,
  request: { groupId: string; spec: ResetSpec; topics?: { topic: string; partitions?: number[] }[] },
): Promise<ResetPlan> {
  const spec = ResetSpecSchema.parse(request.spec);
  const { groupId } = request;
  const description = (await admin.describeGroups([groupId])).get(groupId);
  const committed = (await admin.committedOffsets([groupId])).get(groupId) ?? [];
  const current = new Map(committed.map((c) => [partitionKey(c.topic, c.partition), c.offset]));
  let selection = request.topics;
  if (!selection || selection.length === 0) {
    const topics = [...new Set(committed.map((c) => c.topic))];
    if (topics.length === 0)
      throw new ResetError(`group ${groupId} has no committed offsets; name the topics to reset`);
    selection = topics.map((topic) => ({ topic }));
  }
  const existing = await admin.topicPartitions(selection.map((s) => s.topic));
  const partitions = new Map<string, number[]>();
  for (const s of selection) {
    const all = existing.get(s.topic);
    if (!all) throw new ResetError(`topic ${s.topic} does not exist`);
    const chosen = s.partitions ?? all;
    for (const p of chosen) if (!all.includes(p)) throw new ResetError(`topic ${s.topic} has no partition ${p}`);
    partitions.set(
      s.topic,
      [...chosen].sort((a, b) => a - b),
    );
  }
  const [starts, ends, atTs] = await Promise.all([
    admin.offsetsAt(partitions, EARLIEST),
    admin.offsetsAt(partitions, LATEST),
    spec.to === 'timestamp' ? admin.offsetsAt(partitions, spec.timestampMs) : Promise.resolve(null),
  ]);
  const rows: ResetRow[] = [];
  for (const [topic, ps] of partitions) {
    for (const partition of ps) {
      const k = partitionKey(topic, partition);
      const logStartOffset = Math.max(0, starts.get(k) ?? 0);
      const logEndOffset = Math.max(logStartOffset, ends.get(k) ?? 0);
      const newOffset = newOffsetFor(spec, logStartOffset, logEndOffset, atTs ? (atTs.get(k) ?? -1) : null);
      const cur = current.get(k) ?? null;
      rows.push({
        topic,
        partition,
        currentOffset: cur,
        newOffset,
        logStartOffset,
        logEndOffset,
        currentLag: cur === null ? null : Math.max(0, logEndOffset - cur),
        newLag: logEndOffset - newOffset,
      });
    }
  }
  const state = description?.state ?? 'Dead';
  const members = description?.members.length ?? 0;
  const executable = EMPTY_STATES.has(state) && members === 0;
  return {
    groupId,
    state,
    members,
    spec,
    executable,
    blockedBecause: executable
      ? null
      : `group ${groupId} is ${state} with ${members} member(s); stop its consumers first`,
    rows,
  };
}

/** Applies a plan after re-checking that the group is still empty. */
export async function executeOffsetReset(admin: KafkaGroupAdmin, plan: ResetPlan): Promise<void> {
  const description = (await admin.describeGroups([plan.groupId])).get(plan.groupId);
  const state = description?.state ?? 'Dead';
  const members = description?.members.length ?? 0;
  if (!EMPTY_STATES.has(state) || members > 0) {
    throw new ResetError(`group ${plan.groupId} is ${state} with ${members} member(s); stop its consumers first`);
  }
  await admin.alterOffsets(
    plan.groupId,
    plan.rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.newOffset })),
  );
}
