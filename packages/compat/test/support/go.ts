/**
 * Go clients from Debian for the compat suites: builds a program in packages/compat/go/<name> offline against
 * /usr/share/gocode (GOPATH mode), once per content of its sources, and runs it to its end.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GO_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../go');
const GOPATH = '/usr/share/gocode';
const CACHE_DIR = join(process.env.SAMSA_KAFKA_CACHE ?? join(homedir(), '.cache/samsa'), 'go');
const APT_PACKAGES = 'golang-go gcc golang-github-shopify-sarama-dev';
const ENABLE_COMMAND = `apt-get install -y ${APT_PACKAGES}`;

/** Why the Go-client tests cannot run here (pass it as node:test's `skip`), or undefined when they can. */
export function goSkipReason(packages: string[]): string | undefined {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    return `no Go toolchain on this machine; to run these tests: ${ENABLE_COMMAND}`;
  }
  try {
    execFileSync(execFileSync('go', ['env', 'CC']).toString().trim() || 'gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    return `no C compiler for cgo (sarama's zstd binding) on this machine; to run these tests: ${ENABLE_COMMAND}`;
  }
  const missing = packages.filter((p) => !existsSync(join(GOPATH, 'src', p)));
  if (missing.length > 0) return `Go sources missing (${missing.join(', ')}); to run these tests: ${ENABLE_COMMAND}`;
  return undefined;
}

function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOPATH, GO111MODULE: 'off', GOFLAGS: '', GOCACHE: join(CACHE_DIR, 'build-cache') };
}

/** Builds go/<name> (cached by a hash of its sources and the Go version) and returns the binary's path. */
export async function buildGo(name: string): Promise<string> {
  const dir = join(GO_DIR, name);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.go')).sort();
  if (files.length === 0) throw new Error(`no .go files in ${dir}`);
  const hash = createHash('sha256').update(execFileSync('go', ['version']));
  for (const f of files) hash.update(f).update(await readFile(join(dir, f)));
  const out = join(CACHE_DIR, 'bin', `${name}-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(out)) return out;
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  const r = await run('go', ['build', '-o', tmp, '.'], { cwd: dir, env: goEnv(), timeoutMs: 300_000 });
  if (r.code !== 0) {
    await rm(tmp, { force: true });
    throw new Error(`go build failed for ${dir}:\n${r.stdout}\n${r.stderr}`);
  }
  await rename(tmp, out);
  return out;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every stdout line that is a JSON object. */
  lines: Record<string, unknown>[];
}

/** Runs a built program to its end; rejects only when it outlives `timeoutMs`. */
export async function runProgram(bin: string, args: string[], timeoutMs: number): Promise<RunResult> {
  const r = await run(bin, args, { timeoutMs });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...r, lines };
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Omit<RunResult, 'lines'>> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && (err as { killed?: boolean }).killed) {
          reject(new Error(`${cmd} ${args.join(' ')} ran past ${opts.timeoutMs} ms:\n${stdout}\n${stderr}`));
          return;
        }
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}
