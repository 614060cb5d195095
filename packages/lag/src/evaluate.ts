/**
 * Burrow-style status evaluation: pure functions over a bounded history of observations per partition, and a
 * small stateful `GroupLagEvaluator` that keeps those histories between collection passes and reports status
 * changes. No clocks and no I/O here: every timestamp comes from the observations, so tests replay recorded
 * sequences exactly. The rules, with examples, are in this package's README.
 */
import { z } from 'zod';
import {
  type GroupEvaluation,
  type GroupSnapshot,
  type GroupStatus,
  type PartitionEvaluation,
  type PartitionSample,
  STATUS_SEVERITY,
  type StatusChange,
} from './types.ts';

export const EvaluationConfigSchema = z.object({
  /** Observations kept per partition; the WARNING and REWIND rules look at this sliding window. */
  windowSamples: z.number().int().min(2).max(1000).default(10),
  /** WARNING needs at least this many observations in the window. */
  minSamples: z.number().int().min(2).max(1000).default(3),
  /** An assigned partition whose offset has not moved for this long while lag > 0 is STALLED. */
  stalledAfterMs: z.number().int().min(0).default(60_000),
  /** A partition nobody is assigned whose offset has not moved for this long while lag > 0 is STOPPED. */
  stoppedAfterMs: z.number().int().min(0).default(120_000),
});
export type EvaluationConfig = z.infer<typeof EvaluationConfigSchema>;
export const DEFAULT_EVALUATION_CONFIG: EvaluationConfig = EvaluationConfigSchema.parse({});

export interface Observation {
  atMs: number;
  /** The committed offset; without one (`noCommittedOffset`), the reset position lag is measured from. */
  committedOffset: number;
  logEndOffset: number;
  lag: number;
  timeLagMs: number | null;
  assigned: boolean;
  /** The group has no committed offset on the partition; `committedOffset` is its reset position. */
  noCommittedOffset?: boolean;
}

/** What the evaluator remembers about one partition of one group. Treated as immutable. */
export interface PartitionHistory {
  topic: string;
  partition: number;
  /** The last `windowSamples` observations, oldest first. */
  observations: Observation[];
  /** When the committed offset took its current value (or when we first saw it, if it never moved since). */
  offsetSinceMs: number;
}

/** Adds one observation to a partition's history, keeping at most `windowSamples`. */
export function observe(
  history: PartitionHistory | undefined,
  topic: string,
  partition: number,
  obs: Observation,
  config: EvaluationConfig = DEFAULT_EVALUATION_CONFIG,
): PartitionHistory {
  const last = history?.observations[history.observations.length - 1];
  // A first commit (or offsets deleted) starts the window again: a reset position and a committed offset are not
  // one series, and comparing them would report a REWIND or a moving offset that never happened.
  if (!history || !last || Boolean(last.noCommittedOffset) !== Boolean(obs.noCommittedOffset))
    return { topic, partition, observations: [obs], offsetSinceMs: obs.atMs };
  if (obs.atMs < last.atMs) throw new RangeError(`observation at ${obs.atMs} is older than the last (${last.atMs})`);
  const observations = [...history.observations, obs].slice(-config.windowSamples);
  const offsetSinceMs = obs.committedOffset === last.committedOffset ? history.offsetSinceMs : obs.atMs;
  return { topic, partition, observations, offsetSinceMs };
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** Applies the partition rules, in order, to a partition's history. */
export function evaluatePartition(
  history: PartitionHistory,
  config: EvaluationConfig = DEFAULT_EVALUATION_CONFIG,
): PartitionEvaluation {
  const obs = history.observations;
  const cur = obs[obs.length - 1];
  const noCommit = Boolean(cur.noCommittedOffset);
  const base = {
    topic: history.topic,
    partition: history.partition,
    lag: cur.lag,
    timeLagMs: cur.timeLagMs,
    noCommittedOffset: noCommit,
  };
  // Without a committed offset the group's position is its reset position: say so instead of naming an offset.
  const position = noCommit
    ? `it has no committed offset (lag counted from offset ${cur.committedOffset})`
    : `offset ${cur.committedOffset}`;

  // Rule 1, REWIND: the committed offset went backwards somewhere in the window (a reset, or a consumer replaying).
  for (let i = 1; i < obs.length; i++) {
    if (obs[i].committedOffset < obs[i - 1].committedOffset) {
      return {
        ...base,
        status: 'REWIND',
        reason: `committed offset went back from ${obs[i - 1].committedOffset} to ${obs[i].committedOffset}`,
      };
    }
  }
  // Rule 2, OK: caught up.
  if (cur.lag === 0)
    return {
      ...base,
      status: 'OK',
      reason: noCommit ? 'no committed offset, nothing to read (lag 0)' : 'caught up (lag 0)',
    };

  // Rules 3 and 4: lag > 0 and the committed offset has not moved for a while.
  const stuckMs = cur.atMs - history.offsetSinceMs;
  if (!cur.assigned && stuckMs >= config.stoppedAfterMs) {
    return {
      ...base,
      status: 'STOPPED',
      reason: noCommit
        ? `no member consumes it and ${position} for ${seconds(stuckMs)} with lag ${cur.lag}`
        : `no member consumes it and ${position} has not moved for ${seconds(stuckMs)} with lag ${cur.lag}`,
    };
  }
  if (cur.assigned && stuckMs >= config.stalledAfterMs) {
    return {
      ...base,
      status: 'STALLED',
      reason: noCommit
        ? `assigned to a live member but ${position} for ${seconds(stuckMs)} with lag ${cur.lag}`
        : `assigned to a live member but ${position} has not moved for ${seconds(stuckMs)} with lag ${cur.lag}`,
    };
  }

  // Rule 5, WARNING: the consumer commits (its offset moved) but lag never fell and grew overall, and was never 0.
  if (obs.length >= config.minSamples) {
    const first = obs[0];
    let neverFell = true;
    for (let i = 1; i < obs.length; i++) if (obs[i].lag < obs[i - 1].lag) neverFell = false;
    const allBehind = obs.every((o) => o.lag > 0);
    if (neverFell && allBehind && cur.lag > first.lag && cur.committedOffset > first.committedOffset) {
      return {
        ...base,
        status: 'WARNING',
        reason: `lag grew from ${first.lag} to ${cur.lag} over ${seconds(cur.atMs - first.atMs)} while the consumer committed`,
      };
    }
  }
  if (!cur.assigned) {
    return {
      ...base,
      status: 'OK',
      reason: noCommit
        ? `no member consumes it and ${position}; lag ${cur.lag} for ${seconds(stuckMs)} (STOPPED after ${seconds(config.stoppedAfterMs)})`
        : `no member consumes it; lag ${cur.lag}, offset unchanged for ${seconds(stuckMs)} (STOPPED after ${seconds(config.stoppedAfterMs)})`,
    };
  }
  if (noCommit) return { ...base, status: 'OK', reason: `${position}; lag ${cur.lag}` };
  return { ...base, status: 'OK', reason: `lag ${cur.lag}, consumer keeping up` };
}

/** Combines partition evaluations: the group's status is its worst partition's (EMPTY/INACTIVE when nobody's home). */
export function evaluateGroup(snapshot: GroupSnapshot, partitions: PartitionEvaluation[]): GroupEvaluation {
  const topics = [...new Set(partitions.map((p) => p.topic))].sort();
  const memberTopics = snapshot.members.flatMap((m) => Object.keys(m.assignments));
  for (const t of memberTopics) if (!topics.includes(t)) topics.push(t);
  topics.sort();
  let totalLag = 0;
  let maxTimeLagMs: number | null = null;
  let worst: PartitionEvaluation | null = null;
  for (const p of partitions) {
    totalLag += p.lag;
    if (p.timeLagMs !== null) maxTimeLagMs = Math.max(maxTimeLagMs ?? 0, p.timeLagMs);
    if (!worst || STATUS_SEVERITY[p.status] > STATUS_SEVERITY[worst.status]) worst = p;
  }
  const members = snapshot.members.length;
  let status: GroupStatus;
  let reason: string;
  if (snapshot.state === 'Dead' || (partitions.length === 0 && members === 0)) {
    status = 'INACTIVE';
    reason = 'no members and no committed offsets';
  } else if (!worst) {
    status = 'OK';
    reason = `${members} member(s), no committed offsets yet`;
  } else if (worst.status === 'OK' && members === 0) {
    status = 'EMPTY';
    reason = totalLag === 0 ? 'no members; caught up' : `no members; lag ${totalLag} (not yet STOPPED)`;
  } else {
    status = worst.status;
    reason =
      worst.status === 'OK' ? 'every partition is keeping up' : `${worst.topic}[${worst.partition}]: ${worst.reason}`;
  }
  return {
    groupId: snapshot.groupId,
    tenantId: snapshot.tenantId,
    status,
    reason,
    state: snapshot.state,
    members,
    topics,
    totalLag,
    maxTimeLagMs,
    partitions,
    evaluatedAtMs: snapshot.sampledAtMs,
    error: snapshot.error ?? null,
  };
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

function toObservation(p: PartitionSample, atMs: number): Observation {
  return {
    atMs,
    committedOffset: p.positionOffset,
    noCommittedOffset: p.committedOffset === null,
    logEndOffset: p.logEndOffset,
    lag: p.lag,
    timeLagMs: p.timeLagMs,
    assigned: p.assigned,
  };
}

/**
 * Keeps the partition histories of every group between passes. Memory is bounded by groups x partitions x
 * windowSamples; groups and partitions that disappear from a pass are forgotten.
 */
export class GroupLagEvaluator {
  readonly config: EvaluationConfig;
  private readonly histories = new Map<string, Map<string, PartitionHistory>>();
  private readonly latest = new Map<string, GroupEvaluation>();

  constructor(config: Partial<EvaluationConfig> = {}) {
    this.config = EvaluationConfigSchema.parse(config);
  }

  /** Evaluates one group's snapshot; returns the evaluation and the change, if its status changed. */
  observeGroup(snapshot: GroupSnapshot): { evaluation: GroupEvaluation; change: StatusChange | null } {
    const previous = this.histories.get(snapshot.groupId) ?? new Map<string, PartitionHistory>();
    const next = new Map<string, PartitionHistory>();
    const evaluations: PartitionEvaluation[] = [];
    for (const p of snapshot.partitions) {
      const k = key(p.topic, p.partition);
      let before: PartitionHistory | undefined = previous.get(k);
      // The wall clock went backwards (NTP step, VM restore): start this partition's window again.
      if (before && before.observations[before.observations.length - 1].atMs > snapshot.sampledAtMs) before = undefined;
      const h = observe(before, p.topic, p.partition, toObservation(p, snapshot.sampledAtMs), this.config);
      next.set(k, h);
      evaluations.push(evaluatePartition(h, this.config));
    }
    this.histories.set(snapshot.groupId, next);
    const evaluation = evaluateGroup(snapshot, evaluations);
    const before = this.latest.get(snapshot.groupId);
    this.latest.set(snapshot.groupId, evaluation);
    const change =
      before?.status === evaluation.status
        ? null
        : {
            groupId: snapshot.groupId,
            tenantId: snapshot.tenantId,
            from: before?.status ?? null,
            to: evaluation.status,
            atMs: snapshot.sampledAtMs,
            evaluation,
          };
    return { evaluation, change };
  }

  /**
   * Replays stored observations of one partition (oldest first) into its history without evaluating, so that a
   * restarted collector keeps its windows: a group that was STOPPED is STOPPED again on the first pass.
   */
  seed(groupId: string, topic: string, partition: number, observations: Observation[]): void {
    let group = this.histories.get(groupId);
    if (!group) this.histories.set(groupId, (group = new Map()));
    const k = key(topic, partition);
    let h = group.get(k);
    for (const o of observations) {
      if (h && o.atMs < h.observations[h.observations.length - 1].atMs) continue;
      h = observe(h, topic, partition, o, this.config);
    }
    if (h) group.set(k, h);
  }

  /** Evaluates a whole pass; groups missing from it (and not listed as unreadable) are forgotten. */
  observePass(
    snapshots: GroupSnapshot[],
    unreadable: ReadonlyMap<string, { tenantId: string | null; error: string; atMs: number }> = new Map(),
  ): { evaluations: GroupEvaluation[]; changes: StatusChange[] } {
    const seen = new Set(snapshots.map((s) => s.groupId));
    // A group that could not be read this pass keeps its windows and last status, now carrying the error; one
    // never read before is listed as INACTIVE with the error, so its page says what is wrong.
    for (const [id, u] of unreadable) {
      seen.add(id);
      const before = this.latest.get(id);
      this.latest.set(
        id,
        before
          ? { ...before, error: u.error }
          : {
              groupId: id,
              tenantId: u.tenantId,
              status: 'INACTIVE',
              reason: 'the group could not be read',
              state: 'Unknown',
              members: 0,
              topics: [],
              totalLag: 0,
              maxTimeLagMs: null,
              partitions: [],
              evaluatedAtMs: u.atMs,
              error: u.error,
            },
      );
    }
    for (const id of new Set([...this.histories.keys(), ...this.latest.keys()])) {
      if (!seen.has(id)) {
        this.histories.delete(id);
        this.latest.delete(id);
      }
    }
    const evaluations: GroupEvaluation[] = [];
    const changes: StatusChange[] = [];
    for (const s of snapshots) {
      const { evaluation, change } = this.observeGroup(s);
      evaluations.push(evaluation);
      if (change) changes.push(change);
    }
    return { evaluations, changes };
  }

  /** The latest evaluation of every group, sorted by group id. */
  current(): GroupEvaluation[] {
    return [...this.latest.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  get(groupId: string): GroupEvaluation | undefined {
    return this.latest.get(groupId);
  }
}
