/** Compile and run Java programs against Kafka's jars: the Java client family in tests, Kafka's tools by main class. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CACHE_DIR, KAFKA_VERSION, kafkaClasspath } from './jars.ts';

export interface JavaResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** JVM flags for short programs: quick start, little memory, logs at WARN. */
export const CLIENT_JVM_FLAGS = [
  '-Xms64m',
  '-Xmx512m',
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  '-Djava.awt.headless=true',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
  '-Dorg.slf4j.simpleLogger.logFile=System.err',
];

/**
 * Compiles every .java file in `sourceDir` against Kafka's jars, or `libs` when given (once per content: the classes
 * are cached by a hash of the sources and the classpath) and returns a classpath with the classes first.
 */
export async function compileJava(sourceDir: string, libs?: string): Promise<string> {
  libs ??= await kafkaClasspath();
  const files = (await readdir(sourceDir)).filter((f) => f.endsWith('.java')).sort();
  if (files.length === 0) throw new Error(`no .java files in ${sourceDir}`);
  const hash = createHash('sha256').update(KAFKA_VERSION).update(libs);
  for (const f of files) hash.update(f).update(await readFile(join(sourceDir, f)));
  const out = join(CACHE_DIR, 'java-classes', hash.digest('hex').slice(0, 16));
  if (!existsSync(out)) {
    const tmp = `${out}.tmp-${process.pid}`;
    await mkdir(tmp, { recursive: true });
    const r = await run('javac', ['-nowarn', '-d', tmp, '-cp', libs, ...files.map((f) => join(sourceDir, f))], {
      timeoutMs: 120_000,
    });
    if (r.code !== 0) {
      await rm(tmp, { recursive: true, force: true });
      throw new Error(`javac failed for ${sourceDir}:\n${r.stdout}\n${r.stderr}`);
    }
    if (existsSync(out)) await rm(tmp, { recursive: true, force: true });
    else await rename(tmp, out);
  }
  return `${out}:${libs}`;
}

export interface RunJavaOptions {
  /** Defaults to Kafka's jars alone. */
  classpath?: string;
  jvmFlags?: string[];
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

/** Runs `mainClass` to its end and returns what it printed. Rejects only when it outlives `timeoutMs`. */
export async function runJava(mainClass: string, args: string[], opts: RunJavaOptions = {}): Promise<JavaResult> {
  const classpath = opts.classpath ?? (await kafkaClasspath());
  return run('java', [...(opts.jvmFlags ?? CLIENT_JVM_FLAGS), '-cp', classpath, mainClass, ...args], opts);
}

/** Starts `mainClass` and returns the process (for programs that run until told to stop). */
export async function spawnJava(mainClass: string, args: string[], opts: RunJavaOptions = {}): Promise<ChildProcess> {
  const classpath = opts.classpath ?? (await kafkaClasspath());
  return spawn('java', [...(opts.jvmFlags ?? CLIENT_JVM_FLAGS), '-cp', classpath, mainClass, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
}

function run(cmd: string, args: string[], opts: RunJavaOptions): Promise<JavaResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...opts.env } },
      (err, stdout, stderr) => {
        if (err && (err as { killed?: boolean }).killed) {
          reject(new Error(`${cmd} ${args.slice(-6).join(' ')} ran past ${timeoutMs} ms:\n${stdout}\n${stderr}`));
          return;
        }
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}
