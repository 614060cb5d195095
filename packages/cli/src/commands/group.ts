/**
 * `samsa group list|lag|describe|reset-offsets`: consumer groups with their lag and status, and offset resets with
 * a preview. With `--tenant T` it goes through the console's /api/v1 with the saved login like every other admin
 * command (group/rest.ts); with `--bootstrap` (or without --tenant) it speaks Kafka directly, for an operator
 * (group/direct.ts). Both print the same tables and the same `--json` (group/output.ts).
 */
import { parseArgs } from 'node:util';
import { CliError, resolveTarget } from './admin/api-client.ts';
import type { KafkaGroupAdminOptions } from '@samsa/cluster';
// The connection settings only: the Kafka client itself is loaded by the direct mode alone.
import {
  type ClusterConnection,
  ClusterConnectionError,
  clusterConnectionFromEnv,
  saslOptions,
} from '@samsa/cluster/connection';
import type { ResetSpec } from '@samsa/lag';
import { runDirect } from './group/direct.ts';
import { type ResetBody, runRest } from './group/rest.ts';
import type { Command } from './types.ts';

const HELP = `Usage: samsa group <list|lag|describe|reset-offsets> [options]

  samsa group list                      every consumer group: status, state, members, topics, total lag
  samsa group lag GROUP                 per partition: committed offset, log-end offset, lag, time lag, status
  samsa group describe GROUP            the same, with the members and their assigned partitions
  samsa group reset-offsets GROUP TARGET [--topic T[:P,P...]]... [--execute]
                                        preview (default) or apply new offsets; the group must have no members

Lag counts every partition of every topic the group has committed offsets on or is assigned. A partition
without a committed offset shows COMMITTED '-' and its lag counts from the group's reset position (the log start).

Targets (reset-offsets, exactly one):
  --to-earliest                         the log start offset
  --to-latest                           the log-end offset
  --to-datetime ISO-8601                the first offset at or after that time (the log end if there is none)
  --to-offset N                         that offset, clamped into the log's range

Through the console (a tenant's members and admins; resetting needs a tenant admin):
  --tenant T                            the tenant; names are the tenant's own (billing, orders)
  --all-tenants                         list only: every tenant's groups (platform admins)
  --url URL, --token TOKEN              [SAMSA_URL, SAMSA_TOKEN, else the login saved by 'samsa login']

Directly over Kafka (an operator, usually as the superuser; the default without --tenant):
  --bootstrap HOST:PORT[,HOST:PORT]     brokers [SAMSA_BROKER_BOOTSTRAP or 127.0.0.1:9092]
  --sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512  [SCRAM-SHA-512 when a username is given]
  --username NAME, --password SECRET    SASL credentials [SAMSA_BROKER_SASL_USERNAME, _PASSWORD]
  --tls                                 connect with TLS
  --samples N                           passes to sample before reporting (list, lag, describe) [1]; with 2
  --interval-ms MS                      or more, time lag and trends (WARNING, STALLED) become visible [1000]
                                        (through the console, its collector samples every SAMSA_LAG_INTERVAL_MS)

Output:
  --json                                JSON instead of a table`;

class UsageError extends Error {}

const OPTIONS = {
  tenant: { type: 'string' },
  'all-tenants': { type: 'boolean' },
  url: { type: 'string' },
  token: { type: 'string' },
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

const SUBCOMMANDS = ['list', 'lag', 'describe', 'reset-offsets'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];
const DIRECT_ONLY = ['bootstrap', 'sasl-mechanism', 'username', 'password', 'tls', 'samples', 'interval-ms'] as const;
const CONSOLE_ONLY = ['tenant', 'all-tenants', 'url', 'token'] as const;

/**
 * The direct mode's connection: the superuser settings read as the console and the lag collector read them
 * (@samsa/cluster's `clusterConnectionFromEnv`), with each flag in place of its variable.
 */
function connection(v: Values): KafkaGroupAdminOptions {
  const env = {
    ...process.env,
    SAMSA_BROKER_BOOTSTRAP: v.bootstrap ?? process.env.SAMSA_BROKER_BOOTSTRAP,
    SAMSA_BROKER_SASL_MECHANISM: v['sasl-mechanism'] ?? process.env.SAMSA_BROKER_SASL_MECHANISM,
    SAMSA_BROKER_SASL_USERNAME: v.username ?? process.env.SAMSA_BROKER_SASL_USERNAME,
    SAMSA_BROKER_SASL_PASSWORD: v.password ?? process.env.SAMSA_BROKER_SASL_PASSWORD,
  };
  const flagOf: Record<string, string> = {
    SAMSA_BROKER_BOOTSTRAP: '--bootstrap',
    SAMSA_BROKER_SASL_MECHANISM: '--sasl-mechanism',
    SAMSA_BROKER_SASL_USERNAME: '--username',
    SAMSA_BROKER_SASL_PASSWORD: '--password',
  };
  let c: ClusterConnection;
  try {
    c = clusterConnectionFromEnv(env, 'samsa-cli');
  } catch (err) {
    if (!(err instanceof ClusterConnectionError)) throw err;
    const problems = err.problems.map((p) => `${flagOf[p.variable] ?? p.variable} (${p.variable}): ${p.message}`);
    throw new UsageError(problems.join('; '));
  }
  return {
    bootstrapBrokers: c.bootstrapBrokers,
    clientId: c.clientId,
    tls: v.tls ?? false,
    sasl: saslOptions(c),
    requestTimeoutMs: c.requestTimeoutMs,
  };
}

function positiveInt(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer >= ${min}, got '${value}'`);
  return n;
}

/** The reset target, in the console's request shape (the lag engine's ResetSpec is the same union). */
function resetTarget(v: Values): ResetBody {
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

function resetSpec(body: ResetBody): ResetSpec {
  if (body.to === 'timestamp') return { to: 'timestamp', timestampMs: body.timestampMs ?? 0 };
  if (body.to === 'offset') return { to: 'offset', offset: body.offset ?? 0 };
  return { to: body.to };
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

async function run(v: Values, sub: Subcommand, groupId: string | undefined): Promise<void> {
  const viaConsole = v.tenant !== undefined || v['all-tenants'] === true;
  const mixed = viaConsole ? DIRECT_ONLY.filter((o) => v[o] !== undefined) : [];
  if (mixed.length > 0) {
    throw new UsageError(
      `--${mixed[0]} is for the direct mode; with --tenant the console answers (drop --${mixed[0]}, or drop --tenant to speak Kafka directly)`,
    );
  }
  if (!viaConsole) {
    const stray = CONSOLE_ONLY.find((o) => v[o] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --tenant T (the console mode)`);
  }
  if (v['all-tenants'] && (sub !== 'list' || v.tenant !== undefined))
    throw new UsageError('--all-tenants is for list only, without --tenant');
  const json = v.json ?? false;
  const reset = sub === 'reset-offsets' ? resetTarget(v) : null;
  const topics = topicSelection(v.topic);
  if (topics && sub !== 'reset-offsets') throw new UsageError('--topic is for reset-offsets');
  const command =
    sub === 'list'
      ? ({ sub } as const)
      : sub === 'reset-offsets'
        ? ({ sub, groupId: groupId!, execute: v.execute ?? false } as const)
        : ({ sub, groupId: groupId! } as const);

  if (viaConsole) {
    const flags: Record<string, string> = {};
    if (v.url) flags.url = v.url;
    if (v.token) flags.token = v.token;
    const target = resolveTarget({ positional: [], flags });
    const options = { target, tenant: v.tenant ?? null, json };
    if (command.sub === 'reset-offsets') await runRest(options, { ...command, body: { ...reset!, topics } });
    else await runRest(options, command);
    return;
  }
  const options = {
    connection: connection(v),
    json,
    samples: positiveInt('samples', v.samples, 1),
    intervalMs: positiveInt('interval-ms', v['interval-ms'], 1000, 0),
  };
  if (command.sub === 'reset-offsets') {
    await runDirect(options, { ...command, spec: resetSpec(reset!), topics });
  } else await runDirect(options, command);
}

export const group: Command = {
  summary: 'list consumer groups, show their lag and members, reset their offsets',
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
    try {
      if (!sub) throw new UsageError('missing subcommand: list, lag, describe or reset-offsets');
      if (!(SUBCOMMANDS as readonly string[]).includes(sub)) throw new UsageError(`unknown subcommand '${sub}'`);
      if (sub === 'list' ? groupId !== undefined : !groupId) {
        throw new UsageError(sub === 'list' ? 'list takes no GROUP' : `${sub} needs a GROUP`);
      }
      if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
      await run(v, sub as Subcommand, groupId);
      return 0;
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`samsa group: ${err.message}\n\n${HELP}\n`);
        return 2;
      }
      if (err instanceof CliError) {
        process.stderr.write(`samsa group ${sub}: ${err.message}\n`);
        return err.exitCode;
      }
      // An unknown group, a refused reset (GroupCommandFailure), or the cluster's own error.
      process.stderr.write(`samsa group: ${(err as Error).message}\n`);
      return 1;
    }
  },
};
