/**
 * `samsa processor list|deploy|test|pause|resume|rollback|logs|delete --tenant T`: a tenant's processors through the
 * console's REST API. Secret values never go on the command line (other local users see argv): `--secret NAME`
 * takes the value from the environment variable NAME, or from stdin.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from '../types.ts';
import {
  apiRequest,
  CliError,
  COMMON_HELP,
  int,
  output,
  type ParsedArgs,
  readStdin,
  runVerbs,
  str,
  tenantOf,
} from './api-client.ts';

/** Every value of a repeatable flag (`--output a --output b`, `--output=c`), in order. */
export function repeated(argv: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith(`--${name}=`)) out.push(a.slice(name.length + 3));
    else if (a === `--${name}`) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new CliError(`--${name} needs a value`, 2);
      out.push(next);
      i++;
    }
  }
  return out;
}

/** `earliest`, `latest`, an ISO time or an offset, as the API's start position. */
export function startPosition(value: string): Record<string, unknown> {
  if (value === 'earliest' || value === 'latest' || value === 'committed') return { kind: value };
  if (/^\d+$/.test(value)) return { kind: 'offset', offset: Number(value) };
  const ms = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && Number.isFinite(ms)) return { kind: 'timestamp', timestampMs: ms };
  throw new CliError(`--from must be earliest, latest, committed, an ISO time or an offset, got '${value}'`, 2);
}

function nameOf(args: ParsedArgs): string {
  const name = str(args, 'name') ?? args.positional[0];
  if (!name) throw new CliError('missing processor name (--name NAME)', 2);
  return encodeURIComponent(name);
}

function readSource(file: string): { source: string; language: 'javascript' | 'typescript' } {
  const ext = extname(file);
  const language =
    ext === '.ts' || ext === '.mts' ? 'typescript' : ext === '.js' || ext === '.mjs' ? 'javascript' : null;
  if (!language) throw new CliError(`--file must be a .js or .ts file, got '${file}'`, 2);
  try {
    return { source: readFileSync(file, 'utf8'), language };
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 2);
  }
}

function envPairs(argv: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of repeated(argv, 'env')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--env takes NAME=VALUE, got '${pair}'`, 2);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** `--secret NAME`: the value of the environment variable NAME; one secret without one may come from stdin. */
async function secretValues(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Record<string, string>> {
  const names = repeated(argv, 'secret');
  const out: Record<string, string> = {};
  const fromStdin = names.filter((n) => env[n] === undefined);
  if (fromStdin.length > 1 || (fromStdin.length === 1 && process.stdin.isTTY)) {
    throw new CliError(
      `no value for secret ${fromStdin.join(', ')}: set the environment variable of that name (or pipe one secret's value to stdin)`,
      2,
    );
  }
  for (const n of names) out[n] = env[n] ?? (await readStdin());
  return out;
}

function show(view: { encoding: string; data: string } | null | undefined): string {
  if (view === null || view === undefined) return 'null';
  return view.encoding === 'text' ? view.data : `base64:${view.data}`;
}

/** Prints a test run per record: its outputs per topic, the drop, the error, the logs. */
function printTestRun(result: any): void {
  const lines: string[] = [];
  for (const [i, r] of (result.results as any[]).entries()) {
    lines.push(`#${i + 1} partition ${r.input.partition} offset ${r.input.offset} key=${show(r.input.key)}`);
    for (const o of r.outputs) lines.push(`  -> ${o.topic} key=${show(o.key)} value=${show(o.value)}`);
    if (r.dropped) lines.push('  dropped');
    if (r.error) lines.push(`  error (${r.error.kind}): ${r.error.message}`);
    for (const l of r.logs) lines.push(`  log ${l.level}: ${l.message}`);
  }
  const s = result.summary;
  const byTopic = Object.entries(s.outputsByTopic as Record<string, number>)
    .map(([t, n]) => `${t}=${n}`)
    .join(' ');
  lines.push(`${s.records} record(s); outputs ${byTopic || 'none'}; ${s.dropped} dropped; ${s.errors} error(s)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const processor: Command = {
  summary: "manage a tenant's processors: list, deploy, test, pause, resume, rollback, logs, delete",
  help: `Usage:
  samsa processor list --tenant T
  samsa processor deploy --tenant T --name N --input TOPIC --output TOPIC [--output TOPIC...] --file F.js|F.ts
                         [--from earliest|latest|<ISO time>|<offset>] [--delivery at-least-once|exactly-once]
                         [--on-error dlq|skip|stop] [--retries N] [--retry-backoff-ms N] [--dlq-topic TOPIC]
                         [--env NAME=VALUE...] [--secret NAME...] [--comment TEXT]
                         (creates the processor, or deploys a new version of it; --from defaults to earliest
                         for a new processor and to its committed offsets for a new version; --secret NAME reads
                         the value from the environment variable NAME, or one value from stdin)
  samsa processor test --tenant T --name N [--file F] (--last N | --records FILE.json) [--input TOPIC]
                       [--output TOPIC...]   (runs the code, writes nothing; FILE.json: [{key?, value, headers?}])
  samsa processor pause|resume --tenant T NAME
  samsa processor rollback --tenant T NAME [--version N] [--from earliest|latest|<ISO time>|<offset>]
  samsa processor logs --tenant T NAME [--limit N] [--follow] [--interval-ms N]
  samsa processor delete --tenant T NAME --yes

${COMMON_HELP}`,
  run: (argv) => {
    const base = (args: ParsedArgs) => `/tenants/${tenantOf({ ...args, positional: [] })}/processors`;
    return runVerbs(
      'processor',
      argv,
      {
        async list(args, t) {
          const res = await apiRequest(t, 'GET', base(args));
          output(args, args.flags.json ? res : res.processors, [
            'name',
            'desiredState',
            'status',
            'version',
            'inputTopic',
            'outputTopics',
            'lagRecords',
            'inPerSec',
            'outPerSec',
            'errorPerSec',
          ]);
        },
        async deploy(args, t) {
          const name = str(args, 'name', true);
          const outputs = repeated(argv, 'output');
          if (outputs.length === 0) throw new CliError('missing --output (repeat it for several topics)', 2);
          const body: Record<string, unknown> = {
            input: str(args, 'input', true),
            outputs,
            ...readSource(str(args, 'file', true)),
            env: envPairs(argv),
            secrets: await secretValues(argv),
          };
          if (str(args, 'from')) body.from = startPosition(str(args, 'from')!);
          if (str(args, 'delivery')) body.delivery = str(args, 'delivery');
          if (str(args, 'on-error')) body.onError = str(args, 'on-error');
          if (int(args, 'retries') !== undefined) body.retries = int(args, 'retries');
          if (int(args, 'retry-backoff-ms') !== undefined) body.retryBackoffMs = int(args, 'retry-backoff-ms');
          if (str(args, 'dlq-topic')) body.dlqTopic = str(args, 'dlq-topic');
          if (str(args, 'comment')) body.comment = str(args, 'comment');
          const existing = await apiRequest(t, 'GET', base(args));
          const exists = (existing.processors as { name: string }[]).some((p) => p.name === name);
          const res = exists
            ? await apiRequest(t, 'PUT', `${base(args)}/${encodeURIComponent(name)}`, body)
            : await apiRequest(t, 'POST', base(args), { name, ...body });
          output(
            args,
            args.flags.json
              ? res
              : `${exists ? 'Deployed' : 'Created'} processor ${res.name} version ${res.version.version} (${res.version.inputTopic} -> ${res.version.outputTopics.join(', ')})`,
          );
        },
        async test(args, t) {
          const body: Record<string, unknown> = {};
          const file = str(args, 'file');
          if (file) Object.assign(body, readSource(file));
          const outputs = repeated(argv, 'output');
          if (outputs.length > 0) body.outputs = outputs;
          if (str(args, 'input')) body.input = str(args, 'input');
          const last = int(args, 'last');
          const recordsFile = str(args, 'records');
          if ((last === undefined) === (recordsFile === undefined)) {
            throw new CliError('give either --last N or --records FILE.json', 2);
          }
          if (last !== undefined) body.lastN = last;
          if (recordsFile) {
            try {
              body.records = JSON.parse(readFileSync(recordsFile, 'utf8'));
            } catch (err) {
              throw new CliError(`cannot read ${recordsFile} as JSON: ${(err as Error).message}`, 2);
            }
          }
          const res = await apiRequest(t, 'POST', `${base(args)}/${nameOf(args)}/test-run`, body);
          if (args.flags.json) output(args, res);
          else printTestRun(res);
          if (res.summary.errors > 0) throw new CliError(`${res.summary.errors} record(s) failed`);
        },
        async pause(args, t) {
          const res = await apiRequest(t, 'POST', `${base(args)}/${nameOf(args)}/pause`);
          output(args, args.flags.json ? res : `Paused processor ${res.name}`);
        },
        async resume(args, t) {
          const res = await apiRequest(t, 'POST', `${base(args)}/${nameOf(args)}/resume`);
          output(args, args.flags.json ? res : `Resumed processor ${res.name}`);
        },
        async rollback(args, t) {
          const body: Record<string, unknown> = {};
          if (int(args, 'version') !== undefined) body.version = int(args, 'version');
          if (str(args, 'from')) body.from = startPosition(str(args, 'from')!);
          const res = await apiRequest(t, 'POST', `${base(args)}/${nameOf(args)}/rollback`, body);
          output(args, args.flags.json ? res : `Rolled back processor ${res.name} to version ${res.version.version}`);
        },
        async logs(args, t) {
          const limit = int(args, 'limit') ?? 100;
          const intervalMs = int(args, 'interval-ms') ?? 1000;
          if (intervalMs < 100) throw new CliError('--interval-ms must be at least 100', 2);
          const path = `${base(args)}/${nameOf(args)}/logs`;
          let after: number | undefined;
          for (;;) {
            const q = new URLSearchParams({ limit: String(Math.min(limit, 1000)) });
            if (after !== undefined) q.set('after', String(after));
            const res = await apiRequest(t, 'GET', `${path}?${q}`);
            for (const l of res.logs as any[]) {
              if (args.flags.json) process.stdout.write(`${JSON.stringify(l)}\n`);
              else {
                const where = l.partition === null ? '' : ` p${l.partition}@${l.offset}`;
                process.stdout.write(`${l.at} ${l.level.toUpperCase()} v${l.version ?? '-'}${where} ${l.message}\n`);
              }
              after = l.id;
            }
            if (!args.flags.follow) return;
            after ??= 0;
            await sleep(intervalMs);
          }
        },
        async delete(args, t) {
          if (!args.flags.yes) {
            throw new CliError('deleting a processor removes its versions, secrets and logs: add --yes to confirm', 2);
          }
          await apiRequest(t, 'DELETE', `${base(args)}/${nameOf(args)}`);
          const name = decodeURIComponent(nameOf(args));
          output(args, args.flags.json ? { deleted: name } : `Deleted processor ${name}`);
        },
      },
      ['json', 'yes', 'follow'],
    );
  },
};
