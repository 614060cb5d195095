/**
 * What the admin commands share: argument parsing, the console URL and token (flags, SAMSA_URL/SAMSA_TOKEN, or the
 * file `samsa login` writes), calls to /api/v1 with JSON errors turned into messages, and --json/table output.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

/** `--name value`, `--name=value` and bare `--flag`. A flag is bare when the next word starts with `--`. */
export function parseArgs(argv: string[], booleans: string[] = ['json']): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) {
      out.flags[a.slice(2, eq)] = a.slice(eq + 1);
      continue;
    }
    const name = a.slice(2);
    const next = argv[i + 1];
    if (booleans.includes(name) || next === undefined || next.startsWith('--')) out.flags[name] = true;
    else {
      out.flags[name] = next;
      i++;
    }
  }
  return out;
}

export function str(args: ParsedArgs, name: string, required: true): string;
export function str(args: ParsedArgs, name: string, required?: false): string | undefined;
export function str(args: ParsedArgs, name: string, required = false): string | undefined {
  const v = args.flags[name];
  if (v === undefined || v === true) {
    if (required) throw new CliError(`missing --${name}`, 2);
    return undefined;
  }
  return v;
}

export function int(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new CliError(`--${name} must be an integer, got '${v}'`, 2);
  return Number(v);
}

export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.SAMSA_CREDENTIALS_FILE ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'samsa', 'credentials.json')
  );
}

export function saveCredentials(url: string, token: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = credentialsFile(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify({ url, token }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export function resolveTarget(
  args: ParsedArgs,
  env: NodeJS.ProcessEnv = process.env,
): { url: string; token: string | undefined } {
  let stored: { url?: string; token?: string } = {};
  const file = credentialsFile(env);
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new CliError(`cannot read ${file}: run 'samsa login' again`);
    }
  }
  const url = str(args, 'url') || env.SAMSA_URL || stored.url || 'http://localhost:3000';
  const token = str(args, 'token') || env.SAMSA_TOKEN || stored.token;
  return { url: url.replace(/\/+$/, ''), token };
}

export async function apiRequest<T = any>(
  target: { url: string; token: string | undefined },
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  if (!target.token && !path.startsWith('/auth/')) {
    throw new CliError("not signed in: run 'samsa login --url URL --email E --password P' or set SAMSA_TOKEN");
  }
  let res: Response;
  try {
    res = await fetch(`${target.url}/api/v1${path}`, {
      method,
      headers: {
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new CliError(`cannot reach the console at ${target.url}: ${(err as Error).message}`);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new CliError(`unexpected response from ${target.url} (HTTP ${res.status}): is SAMSA_URL the console?`);
  }
  if (!res.ok) {
    const e = data?.error;
    const fields = e?.fieldErrors
      ? Object.entries(e.fieldErrors as Record<string, string[]>)
          .map(([k, v]) => `\n  ${k}: ${v.join('; ')}`)
          .join('')
      : '';
    throw new CliError(`${e?.message ?? `HTTP ${res.status}`}${e?.code ? ` (${e.code})` : ''}${fields}`);
  }
  return data as T;
}

/** Prints rows as an aligned table, or JSON with --json. */
export function output(args: ParsedArgs, data: unknown, columns?: string[]): void {
  if (args.flags.json) {
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  if (Array.isArray(data) && columns) {
    const rows = data.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c])));
    const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
    process.stdout.write(
      `${line(columns.map((c) => c.toUpperCase()))}\n${rows.map(line).join('\n')}${rows.length ? '\n' : ''}`,
    );
    return;
  }
  if (data && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) process.stdout.write(`${k}: ${cell(v)}\n`);
    return;
  }
  if (data !== undefined) process.stdout.write(`${String(data)}\n`);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.map(cell).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Runs a subcommand table: `samsa <noun> <verb> ...`. Errors become a message on stderr and a non-zero exit. */
export async function runVerbs(
  noun: string,
  argv: string[],
  verbs: Record<string, (args: ParsedArgs, target: { url: string; token: string | undefined }) => Promise<void>>,
  booleans: string[] = ['json'],
): Promise<number> {
  const [verb, ...rest] = argv;
  const handler = verb ? verbs[verb] : undefined;
  if (!handler) {
    process.stderr.write(
      `samsa ${noun}: ${verb ? `unknown subcommand '${verb}'` : 'missing subcommand'}; one of: ${Object.keys(verbs).join(', ')}\n`,
    );
    return 2;
  }
  try {
    const args = parseArgs(rest, booleans);
    await handler(args, resolveTarget(args));
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`samsa ${noun} ${verb}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

export function tenantOf(args: ParsedArgs): string {
  const t = str(args, 'tenant') ?? args.positional[0];
  if (!t) throw new CliError('missing --tenant', 2);
  return encodeURIComponent(t);
}

export const COMMON_HELP = `Common options:
  --url URL       console URL (env SAMSA_URL, else the one saved by 'samsa login', else http://localhost:3000)
  --token TOKEN   API token (env SAMSA_TOKEN, else the one saved by 'samsa login')
  --json          machine-readable output`;
