/**
 * `samsa group list|lag|reset-offsets`: consumer groups seen over the Kafka protocol, with lag and status from the
 * lag engine (@samsa/lag), and offset resets with a preview. `--json` prints machine-readable output.
 */
import { parseArgs } from 'node:util';
// Relative until packages/cli/package.json lists @samsa/lag (see packages/lag/README.md).
import {
  type GroupEvaluation,
  KafkaGroupAdmin,
  type KafkaGroupAdminOptions,
  LagCollector,
  planOffsetReset,
  executeOffsetReset,
  ResetError,
  type ResetPlan,
  type ResetSpec,
} from '../../../lag/src/index.ts';
import type { Command } from './types.ts';

const HELP = `Usage: samsa group <list|lag|reset-offsets> [options]

  samsa group list                      every consumer group: status, state, members, topics, total lag
  samsa group lag GROUP                 per partition: committed offset, log-end offset, lag, time lag, status
  samsa group reset-offsets GROUP TARGET [--topic T[:P,P...]]... [--execute]
                                        preview (default) or apply new offsets; the group must have no members

Targets (reset-offsets, exactly one):
  --to-earliest                         the log start offset
  --to-latest                           the log-end offset
  --to-datetime ISO-8601                the first offset at or after that time (the log end if there is none)
  --to-offset N                         that offset, clamped into the log's range

Connection:
  --bootstrap HOST:PORT[,HOST:PORT]     brokers [SAMSA_BROKER_BOOTSTRAP or 127.0.0.1:9092]
  --sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512  [SCRAM-SHA-512 when a username is given]
  --username NAME, --password SECRET    SASL credentials [SAMSA_BROKER_SASL_USERNAME, _PASSWORD]
  --tls                                 connect with TLS

Output:
  --json                                JSON instead of a table
  --samples N                           passes to sample before reporting (list, lag) [1]; with 2 or more,
  --interval-ms MS                      time lag and trends (WARNING, STALLED) become visible [1000]`;

class UsageError extends Error {}

const OPTIONS = {
  bootstrap: { type: 'string' },
  'sasl-mechanism': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  tls: { type: 'boolean' },
  json: { type: 'boolean' },
  samples: { type: 'string' },
  'interval-ms': { type: 'string' },
  topic: { type: 'string', multiple: true },
  'to-earliest': { type: 'boolean' },
  'to-latest': { type: 'boolean' },
  'to-datetime': { type: 'string' },
  'to-offset': { type: 'string' },
  execute: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function connection(v: Values): KafkaGroupAdminOptions {
  const bootstrap = v.bootstrap ?? process.env.SAMSA_BROKER_BOOTSTRAP ?? '127.0.0.1:9092';
  const brokers = bootstrap.split(',').map((b) => b.trim());
  for (const b of brokers)
    if (!/^[^:\s]+:\d+$/.test(b)) throw new UsageError(`--bootstrap: expected HOST:PORT, got '${b}'`);
  const username = v.username ?? process.env.SAMSA_BROKER_SASL_USERNAME;
  const password = v.password ?? process.env.SAMSA_BROKER_SASL_PASSWORD;
  const mechanism = v['sasl-mechanism'] ?? (username ? 'SCRAM-SHA-512' : undefined);
  if (mechanism && !['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(mechanism)) {
    throw new UsageError(`--sasl-mechanism: expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got '${mechanism}'`);
  }
  if (mechanism && (!username || !password)) throw new UsageError('SASL needs --username and --password');
  return {
    bootstrapBrokers: brokers,
    clientId: 'samsa-cli',
    tls: v.tls ?? false,
    sasl: mechanism ? { mechanism: mechanism as 'PLAIN', username, password } : undefined,
  };
}

function positiveInt(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer >= ${min}, got '${value}'`);
  return n;
}

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
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

async function sample(admin: KafkaGroupAdmin, v: Values, only?: string): Promise<LagCollector> {
  const samples = positiveInt('samples', v.samples, 1);
  const intervalMs = positiveInt('interval-ms', v['interval-ms'], 1000, 0);
  const collector = new LagCollector({
    source: admin,
    includeGroup: only ? (g) => g.groupId === only : undefined,
  });
  for (let i = 0; i < samples; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, intervalMs));
    await collector.collectOnce();
  }
  return collector;
}

async function list(admin: KafkaGroupAdmin, v: Values): Promise<number> {
  const evaluations = (await sample(admin, v)).current();
  if (v.json) {
    process.stdout.write(
      `${JSON.stringify(
        evaluations.map(({ partitions: _, ...e }) => e),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  process.stdout.write(
    table(
      ['GROUP', 'STATUS', 'STATE', 'MEMBERS', 'TOPICS', 'LAG', 'TIME-LAG'],
      evaluations.map((e) => [
        e.groupId,
        e.status,
        e.state,
        e.members,
        e.topics.join(',') || '-',
        e.totalLag,
        fmtMs(e.maxTimeLagMs),
      ]),
    ),
  );
  return 0;
}

async function lag(admin: KafkaGroupAdmin, v: Values, groupId: string): Promise<number> {
  const collector = await sample(admin, v, groupId);
  const e: GroupEvaluation | undefined = collector.evaluator.get(groupId);
  const snap = collector.snapshot(groupId);
  if (!e || !snap) {
    process.stderr.write(`samsa group: no consumer group '${groupId}'\n`);
    return 1;
  }
  const owner = new Map<string, string>();
  for (const m of snap.members) {
    for (const [t, ps] of Object.entries(m.assignments)) for (const p of ps) owner.set(`${t}:${p}`, m.clientId);
  }
  const rows = e.partitions.map((p) => {
    const s = snap.partitions.find((x) => x.topic === p.topic && x.partition === p.partition)!;
    return {
      ...p,
      committedOffset: s.committedOffset,
      logEndOffset: s.logEndOffset,
      consumer: owner.get(`${p.topic}:${p.partition}`) ?? null,
    };
  });
  if (v.json) {
    const { partitions: _, ...group } = e;
    process.stdout.write(`${JSON.stringify({ ...group, members: snap.members, partitions: rows }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    `Group ${e.groupId}: ${e.status} (${e.reason}); state ${e.state}, ${e.members} member(s), lag ${e.totalLag}\n\n`,
  );
  process.stdout.write(
    table(
      ['TOPIC', 'PARTITION', 'COMMITTED', 'LOG-END', 'LAG', 'TIME-LAG', 'STATUS', 'CONSUMER'],
      rows.map((r) => [
        r.topic,
        r.partition,
        r.committedOffset,
        r.logEndOffset,
        r.lag,
        fmtMs(r.timeLagMs),
        r.status,
        r.consumer ?? '-',
      ]),
    ),
  );
  return 0;
}

function resetSpec(v: Values): ResetSpec {
  const chosen = [
    v['to-earliest'],
    v['to-latest'],
    v['to-datetime'] !== undefined,
    v['to-offset'] !== undefined,
  ].filter(Boolean);
  if (chosen.length !== 1) {
    throw new UsageError('reset-offsets needs exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset');
  }
  if (v['to-earliest']) return { to: 'earliest' };
  if (v['to-latest']) return { to: 'latest' };
  if (v['to-datetime'] !== undefined) {
    const ms = Date.parse(v['to-datetime']);
    if (Number.isNaN(ms)) throw new UsageError(`--to-datetime: not an ISO-8601 time: '${v['to-datetime']}'`);
    return { to: 'timestamp', timestampMs: ms };
  }
  return { to: 'offset', offset: positiveInt('to-offset', v['to-offset'], 0, 0) };
}

function topicSelection(values: string[] | undefined): { topic: string; partitions?: number[] }[] | undefined {
  return values?.map((t) => {
    const [topic, parts] = t.split(':');
    if (!topic) throw new UsageError(`--topic: expected TOPIC or TOPIC:P,P, got '${t}'`);
    if (parts === undefined) return { topic };
    const partitions = parts.split(',').map((p) => positiveInt('topic', p, 0, 0));
    return { topic, partitions };
  });
}

async function resetOffsets(admin: KafkaGroupAdmin, v: Values, groupId: string): Promise<number> {
  const spec = resetSpec(v);
  const plan: ResetPlan = await planOffsetReset(admin, { groupId, spec, topics: topicSelection(v.topic) });
  let executed = false;
  if (v.execute) {
    if (!plan.executable) {
      process.stderr.write(`samsa group: ${plan.blockedBecause}\n`);
      if (v.json) process.stdout.write(`${JSON.stringify({ ...plan, executed }, null, 2)}\n`);
      return 1;
    }
    await executeOffsetReset(admin, plan);
    executed = true;
  }
  if (v.json) {
    process.stdout.write(`${JSON.stringify({ ...plan, executed }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    table(
      ['TOPIC', 'PARTITION', 'CURRENT', 'NEW', 'LOG-START', 'LOG-END', 'CURRENT-LAG', 'NEW-LAG'],
      plan.rows.map((r) => [
        r.topic,
        r.partition,
        r.currentOffset ?? '-',
        r.newOffset,
        r.logStartOffset,
        r.logEndOffset,
        r.currentLag ?? '-',
        r.newLag,
      ]),
    ),
  );
  if (executed) process.stdout.write(`\nOffsets of group ${groupId} reset.\n`);
  else if (plan.executable) process.stdout.write('\nPreview only: run again with --execute to apply.\n');
  else process.stdout.write(`\nPreview only: ${plan.blockedBecause}.\n`);
  return 0;
}

export const group: Command = {
  summary: 'list consumer groups, show their lag, reset their offsets',
  help: HELP,
  async run(argv) {
    let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      process.stderr.write(`samsa group: ${(err as Error).message}\n`);
      return 2;
    }
    const { values: v, positionals } = parsed;
    const [sub, groupId, ...extra] = positionals;
    let admin: KafkaGroupAdmin | null = null;
    try {
      if (!sub) throw new UsageError('missing subcommand: list, lag or reset-offsets');
      if (!['list', 'lag', 'reset-offsets'].includes(sub)) throw new UsageError(`unknown subcommand '${sub}'`);
      if (sub === 'list' ? groupId !== undefined : !groupId) {
        throw new UsageError(sub === 'list' ? 'list takes no GROUP' : `${sub} needs a GROUP`);
      }
      if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
      const options = connection(v);
      if (sub === 'reset-offsets') resetSpec(v);
      admin = new KafkaGroupAdmin(options);
      if (sub === 'list') return await list(admin, v);
      if (sub === 'lag') return await lag(admin, v, groupId);
      return await resetOffsets(admin, v, groupId);
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`samsa group: ${err.message}\n\n${HELP}\n`);
        return 2;
      }
      if (err instanceof ResetError) {
        process.stderr.write(`samsa group: ${err.message}\n`);
        return 1;
      }
      process.stderr.write(`samsa group: ${(err as Error).message}\n`);
      return 1;
    } finally {
      await admin?.close().catch(() => {});
    }
  },
};
