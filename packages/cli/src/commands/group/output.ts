/**
 * What `samsa group` prints, whichever way it read the group (the console's /api/v1 or the Kafka protocol): one
 * set of shapes and one table layout per subcommand, so both modes give the same output and the same `--json`.
 */

import type { GroupDetail, GroupEvaluation, GroupMemberInfo, ResetRow } from '@samsa/lag';

/**
 * One group of `samsa group list`; `groupId` is the name to pass back: the tenant's own name with --tenant, the
 * broker's name in the direct mode.
 */
export type GroupRow = Omit<GroupEvaluation, 'partitions' | 'tenantId' | 'status'> & { status: string };

/**
 * One partition of `samsa group lag|describe`; `committedOffset` is null when the group has none there (lag then
 * counts from `positionOffset`), `consumer` is the client id of the member holding it.
 */
export type PartitionRow = Omit<GroupDetail['partitions'][number], 'memberId' | 'clientId'> & {
  consumer: string | null;
};

/** `samsa group lag|describe`: the group, its members (a list here, not a count) and its partitions. */
export interface GroupLag extends Omit<GroupRow, 'members'> {
  members: GroupMemberInfo[];
  partitions: PartitionRow[];
}

/** A detail partition (the lag engine's or the console's) as a row: who holds it becomes `consumer`. */
export function partitionRow({ memberId: _, clientId, ...p }: GroupDetail['partitions'][number]): PartitionRow {
  return { ...p, consumer: clientId };
}

export interface ResetResult {
  groupId: string;
  executable: boolean;
  blockedBecause: string | null;
  rows: ResetRow[];
  executed: boolean;
}

function table(headers: string[], rows: (string | number | null)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return `${cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

const fmtMs = (ms: number | null) => (ms === null ? '-' : ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`);
const json = (data: unknown): void => {
  process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
};

export function printList(groups: GroupRow[], asJson: boolean): void {
  if (asJson) {
    json(groups);
    return;
  }
  process.stdout.write(
    table(
      ['GROUP', 'STATUS', 'STATE', 'MEMBERS', 'TOPICS', 'LAG', 'TIME-LAG'],
      groups.map((g) => [
        g.groupId,
        g.status,
        g.state,
        g.members,
        g.topics.join(',') || '-',
        g.totalLag,
        fmtMs(g.maxTimeLagMs),
      ]),
    ),
  );
}

function printPartitions(g: GroupLag): void {
  process.stdout.write(
    table(
      ['TOPIC', 'PARTITION', 'COMMITTED', 'LOG-END', 'LAG', 'TIME-LAG', 'STATUS', 'CONSUMER'],
      g.partitions.map((p) => [
        p.topic,
        p.partition,
        p.committedOffset,
        p.logEndOffset,
        p.lag,
        fmtMs(p.timeLagMs),
        p.status,
        p.consumer ?? '-',
      ]),
    ),
  );
  const uncommitted = g.partitions.filter((p) => p.noCommittedOffset);
  if (uncommitted.length > 0) {
    process.stdout.write(
      `\nCOMMITTED '-': no committed offset on ${uncommitted.length} partition(s); their lag counts from where the ` +
        "group starts reading (its reset position: the log start unless the lag engine's " +
        'SAMSA_LAG_AUTO_OFFSET_RESET says latest).\n',
    );
  }
}

function header(g: GroupLag): string {
  const error = g.error ? `\nNot fully read: ${g.error}\n` : '';
  return `Group ${g.groupId}: ${g.status} (${g.reason}); state ${g.state}, ${g.members.length} member(s), lag ${g.totalLag}\n${error}\n`;
}

export function printLag(g: GroupLag, asJson: boolean): void {
  if (asJson) {
    json(g);
    return;
  }
  process.stdout.write(header(g));
  printPartitions(g);
}

/** `describe`: the lag view plus who holds what. */
export function printDescribe(g: GroupLag, asJson: boolean): void {
  if (asJson) {
    json(g);
    return;
  }
  process.stdout.write(header(g));
  process.stdout.write(
    table(
      ['MEMBER', 'CLIENT-ID', 'HOST', 'ASSIGNMENTS'],
      g.members.map((m) => [
        m.memberId,
        m.clientId,
        m.clientHost,
        Object.entries(m.assignments)
          .map(([t, ps]) => `${t}[${ps.join(',')}]`)
          .join(' ') || '-',
      ]),
    ),
  );
  process.stdout.write('\n');
  printPartitions(g);
}

export function printReset<T extends ResetResult>(result: T, asJson: boolean): void {
  if (asJson) {
    json(result);
    return;
  }
  process.stdout.write(
    table(
      ['TOPIC', 'PARTITION', 'CURRENT', 'NEW', 'LOG-START', 'LOG-END', 'CURRENT-LAG', 'NEW-LAG'],
      result.rows.map((r) => [
        r.topic,
        r.partition,
        r.currentOffset,
        r.newOffset,
        r.logStartOffset,
        r.logEndOffset,
        r.currentLag,
        r.newLag,
      ]),
    ),
  );
  if (result.executed) process.stdout.write(`\nOffsets of group ${result.groupId} reset.\n`);
  else if (result.executable) process.stdout.write('\nPreview only: run again with --execute to apply.\n');
  else process.stdout.write(`\nPreview only: ${result.blockedBecause}.\n`);
}
