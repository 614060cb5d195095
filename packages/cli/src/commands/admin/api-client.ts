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

/** A console URL without trailing slashes, so the same console always compares equal. */
export function normalizeUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
/**
 * The file `samsa login` writes: the token and the console URL it was issued for. The token is only ever sent to
 * that URL: another --url or SAMSA_URL without --token/SAMSA_TOKEN fails (a typo or a hostile URL would otherwise
 * receive it).
 */
function readStoredCredentials(env: NodeJS.ProcessEnv): { url?: string; token?: string } {
  const file = credentialsFile(env);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new CliError(`cannot read ${file}: run 'samsa login' again`);
  }
}

/** The console URL: --url, SAMSA_URL, the one saved by `samsa login`, or http://localhost:3000. */
export function resolveUrl(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): string {
  return normalizeUrl(str(args, 'url') || env.SAMSA_URL || readStoredCredentials(env).url || 'http://localhost:3000');
}

export function resolveTarget(
  args: ParsedArgs,
  env: NodeJS.ProcessEnv = process.env,
): { url: string; token: string | undefined } {
  const stored = readStoredCredentials(env);
  const url = resolveUrl(args, env);
  const explicit = str(args, 'token') || env.SAMSA_TOKEN;
  if (explicit) return { url, token: explicit };
  if (!stored.token || !stored.url) return { url, token: undefined };
  if (normalizeUrl(stored.url) !== url) {
    throw new CliError(
      `the saved token was issued for ${normalizeUrl(stored.url)}, not ${url}, and is never sent elsewhere: ` +
        `run 'samsa login --url ${url} --email E' for that console, or pass --token/SAMSA_TOKEN`,
    );
  }
  return { url, token: stored.token };
}

/** Reads all of stdin (for --password-stdin), without the trailing newline. */
export async function readStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks for a secret on the terminal without echoing it. */
export async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            process.stderr.write('\n');
            resolve(value);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            process.stderr.write('\n');
            reject(new CliError('cancelled', 130));
            return;
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
  }
}

/**
 * A password for a command, without putting it in argv (where other local users see it in `ps`):
 * --password-stdin, else SAMSA_PASSWORD, else a prompt without echo when stdin is a terminal; --password still
 * works for scripts that accept the risk.
 */
export async function readPassword(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let password: string | undefined;
  if (args.flags['password-stdin']) password = await readStdin();
  else password = str(args, 'password') ?? env.SAMSA_PASSWORD;
  if (password === undefined && process.stdin.isTTY) password = await promptHidden('Password: ');
  if (!password) {
    throw new CliError('missing password: pipe it to --password-stdin, set SAMSA_PASSWORD, or run in a terminal', 2);
  }
  return password;
}

async function jsonOf(res: Response, url: string): Promise<any> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    throw new CliError(`unexpected response from ${url} (HTTP ${res.status}): is SAMSA_URL the console?`);
  }
}

/** The console's error body as a message: its text, code and field errors. */
function errorOf(res: Response, data: any): CliError {
  const e = data?.error;
  const fields = e?.fieldErrors
    ? Object.entries(e.fieldErrors as Record<string, string[]>)
        .map(([k, v]) => `\n  ${k}: ${v.join('; ')}`)
        .join('')
    : '';
  return new CliError(`${e?.message ?? `HTTP ${res.status}`}${e?.code ? ` (${e.code})` : ''}${fields}`);
}

async function send(
  target: { url: string; token: string | undefined },
  method: string,
  path: string,
  body: unknown,
): Promise<Response> {
  if (!target.token && !path.startsWith('/auth/')) {
    throw new CliError("not signed in: run 'samsa login --url URL --email E' or set SAMSA_TOKEN");
  }
  try {
    return await fetch(`${target.url}/api/v1${path}`, {
      method,
      headers: {
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        // the console refuses state-changing requests that are not JSON
        ...(body !== undefined || method !== 'GET' ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new CliError(`cannot reach the console at ${target.url}: ${(err as Error).message}`);
  }
}

/** A request whose answer is a stream of NDJSON lines: each parsed line goes to `onEvent` as it arrives. */
export async function apiStream(
  target: { url: string; token: string | undefined },
  path: string,
  body: unknown,
  onEvent: (event: any) => void,
): Promise<void> {
  const res = await send(target, 'POST', path, body);
  if (!res.ok) throw errorOf(res, await jsonOf(res, target.url));
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim()) onEvent(JSON.parse(line));
    }
  }
}

export async function apiRequest<T = any>(
  target: { url: string; token: string | undefined },
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await send(target, method, path, body);
  if (res.status === 204) return undefined as T;
  const data = await jsonOf(res, target.url);
  if (!res.ok) throw errorOf(res, data);
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
  booleans: string[] = ['json', 'password-stdin'],
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
