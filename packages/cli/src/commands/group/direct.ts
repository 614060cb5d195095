/**
 * `samsa group` in the direct mode (`--bootstrap`): an operator's view over the Kafka protocol with the lag engine
 * (@samsa/lag) running in this process over @samsa/cluster's group admin, usually as the superuser (every tenant's
 * groups, broker names). Both are loaded only here, so the /api/v1 mode does not load the Kafka client.
 */
import type { KafkaGroupAdmin, KafkaGroupAdminOptions } from '@samsa/cluster';
import type { GroupEvaluation, GroupSnapshot, ResetSpec } from '@samsa/lag';
import {
  type GroupLag,
  type GroupRow,
  partitionRow,
  printDescribe,
  printLag,
  printList,
  printReset,
} from './output.ts';

export interface DirectOptions {
  connection: KafkaGroupAdminOptions;
  json: boolean;
  samples: number;
  intervalMs: number;
}

/** The command's outcome when it is not an exit code of 0 (an unknown group, a refused reset). */
export class GroupCommandFailure extends Error {}

type Sub =
  | { sub: 'list' }
  | { sub: 'lag' | 'describe'; groupId: string }
  | {
      sub: 'reset-offsets';
      groupId: string;
      spec: ResetSpec;
      topics?: { topic: string; partitions?: number[] }[];
      execute: boolean;
    };

function row(e: GroupEvaluation): GroupRow & { tenantId: string | null } {
  const { partitions: _, ...rest } = e;
  return rest;
}

type LagEngine = typeof import('@samsa/lag');

function lagView(lag: LagEngine, e: GroupEvaluation, snap: GroupSnapshot): GroupLag {
  return { ...row(e), members: snap.members, partitions: lag.partitionDetails(e, snap).map(partitionRow) };
}

export async function runDirect(options: DirectOptions, command: Sub): Promise<void> {
  const lag = await import('@samsa/lag');
  const cluster = await import('@samsa/cluster');
  const admin: KafkaGroupAdmin = new cluster.KafkaGroupAdmin(options.connection);
  try {
    if (command.sub === 'reset-offsets') {
      const plan = await lag.planOffsetReset(admin, {
        groupId: command.groupId,
        spec: command.spec,
        topics: command.topics,
      });
      let executed = false;
      if (command.execute && plan.executable) {
        await lag.executeOffsetReset(admin, plan);
        executed = true;
      }
      if (command.execute && !plan.executable) {
        if (options.json) printReset({ ...plan, executed }, true);
        throw new GroupCommandFailure(plan.blockedBecause ?? `group ${plan.groupId} is not empty`);
      }
      printReset({ ...plan, executed }, options.json);
      return;
    }
    const only = command.sub === 'list' ? undefined : command.groupId;
    const collector = new lag.LagCollector({
      source: admin,
      includeGroup: only ? (g) => g.groupId === only : undefined,
    });
    for (let i = 0; i < options.samples; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, options.intervalMs));
      await collector.collectOnce();
    }
    if (command.sub === 'list') {
      printList(collector.current().map(row), options.json);
      return;
    }
    const e = collector.evaluator.get(command.groupId);
    const snap = collector.snapshot(command.groupId);
    if (!e || !snap) throw new GroupCommandFailure(`no consumer group '${command.groupId}'`);
    (command.sub === 'lag' ? printLag : printDescribe)(lagView(lag, e, snap), options.json);
  } catch (err) {
    if (err instanceof lag.ResetError) throw new GroupCommandFailure(err.message);
    throw err;
  } finally {
    await admin.close().catch(() => {});
  }
}
