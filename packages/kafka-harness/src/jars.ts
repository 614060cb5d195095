/**
 * Apache Kafka's jars, fetched once with Maven (`pom.xml` beside this package) into ~/.cache/samsa/kafka-<version>/libs.
 * Maven keeps its downloads in ~/.m2; nothing is committed. A machine without Java or Maven gets a skip reason
 * instead, which the Kafka-backed suites print.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Keep equal to `kafka.version` in pom.xml. */
export const KAFKA_VERSION = '4.1.1';
export const ENABLE_COMMAND =
  'apt-get install -y default-jdk-headless maven && pnpm --filter @samsa/kafka-harness fetch-jars (bash .ci/run does both)';

const POM = join(dirname(fileURLToPath(import.meta.url)), '../pom.xml');
export const CACHE_DIR = process.env.SAMSA_KAFKA_CACHE ?? join(homedir(), '.cache/samsa');
export const LIBS_DIR = join(CACHE_DIR, `kafka-${KAFKA_VERSION}`, 'libs');
const COMPLETE = join(LIBS_DIR, '.complete');

/** Whether `cmd args` runs and exits 0 (e.g. `java -version`). */
export function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

let cachedReason: string | undefined | null = null;
/**
 * Why the Kafka-backed suites cannot run here, or undefined when they can: Java is needed always, Maven only while
 * the jars are not fetched yet.
 */
export function kafkaSkipReason(): string | undefined {
  if (cachedReason !== null) return cachedReason;
  if (!has('java', ['-version'])) cachedReason = `no Java on this machine; to run these tests: ${ENABLE_COMMAND}`;
  else if (!existsSync(COMPLETE) && !has('mvn', ['-v']))
    cachedReason = `Kafka's jars are not fetched and Maven is missing; to run these tests: ${ENABLE_COMMAND}`;
  else cachedReason = undefined;
  return cachedReason;
}

let fetching: Promise<string> | undefined;
/** The classpath of Kafka's jars (`<libs>/*`), fetching them with Maven the first time. */
export function kafkaClasspath(): Promise<string> {
  fetching ??= fetchMavenJars(POM, LIBS_DIR, `Apache Kafka ${KAFKA_VERSION} jars`);
  return fetching;
}

/**
 * Copies the dependencies `pom` names (and theirs) into `libsDir` with Maven, once, and returns `<libsDir>/*`.
 * `what` names them in messages.
 */
export async function fetchMavenJars(pom: string, libsDir: string, what: string): Promise<string> {
  const classpath = join(libsDir, '*');
  const complete = join(libsDir, '.complete');
  if (existsSync(complete)) return classpath;
  // Another process may fetch at the same time: each copies into a folder of its own and renames it into place.
  const tmp = `${dirname(libsDir)}/libs.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  process.stderr.write(`kafka-harness: fetching ${what} with Maven (once; cached in ~/.m2)\n`);
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        'mvn',
        ['-B', '-q', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`],
        { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`mvn could not fetch ${what}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(),
      );
    });
    await writeFile(join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    if (existsSync(complete)) await rm(tmp, { recursive: true, force: true });
    else {
      await rm(libsDir, { recursive: true, force: true });
      await rename(tmp, libsDir);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return classpath;
}
