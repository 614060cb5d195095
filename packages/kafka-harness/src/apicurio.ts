/**
 * Apicurio Registry on loopback, for the differential test of Samsa's schema registry: its in-memory (H2) server,
 * built once from Maven Central with quarkus-maven-plugin (`apicurio/pom.xml` beside this package, which says why
 * this version) into ~/.cache/samsa/apicurio-<version>. A machine without Java or Maven, or whose Maven cannot reach
 * Central, gets a skip reason instead.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE_DIR, fetchMavenJars, has } from './jars.ts';

/** Keep equal to `apicurio.version` in apicurio/pom.xml. */
export const APICURIO_VERSION = '2.1.5.Final';
export const APICURIO_ENABLE_COMMAND =
  'apt-get install -y default-jdk-headless maven && pnpm --filter @samsa/kafka-harness fetch-apicurio (bash .ci/run does both)';

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '../apicurio');
/** Keep equal to `client.version` in registry-client/pom.xml. */
export const REGISTRY_CLIENT_VERSION = '4.2.0';
const REGISTRY_CLIENT_POM = join(dirname(fileURLToPath(import.meta.url)), '../registry-client/pom.xml');
export const APICURIO_DIR = join(CACHE_DIR, `apicurio-${APICURIO_VERSION}`);
const COMPLETE = join(APICURIO_DIR, '.complete');
/** What the Quarkus build leaves: a runner jar whose manifest names the jars in lib/ beside it. */
const RUNNER_JAR = join(APICURIO_DIR, 'apicurio-registry-1-runner.jar');
/** Where a failed build's reason is kept, so later runs skip at once instead of building again. */
const FAILED = join(APICURIO_DIR, '.failed');

/** Why Apicurio cannot run here, or undefined when it can: Java always, Maven until it is built. */
export function apicurioSkipReason(): string | undefined {
  if (!has('java', ['-version'])) return `no Java on this machine; to run these tests: ${APICURIO_ENABLE_COMMAND}`;
  if (existsSync(COMPLETE)) return undefined;
  if (existsSync(FAILED))
    return `Apicurio Registry ${APICURIO_VERSION} could not be built from Maven Central (${FAILED} says why); to retry: pnpm --filter @samsa/kafka-harness fetch-apicurio`;
  if (!has('mvn', ['-v']))
    return `Apicurio Registry is not built and Maven is missing; to run these tests: ${APICURIO_ENABLE_COMMAND}`;
  return undefined;
}

let building: Promise<string> | undefined;
/** The runner jar, building it with Maven the first time. */
export function apicurioJar(): Promise<string> {
  building ??= build();
  return building;
}

async function build(): Promise<string> {
  if (existsSync(COMPLETE)) return RUNNER_JAR;
  // Another process may build at the same time: each builds in a folder of its own and renames its output into place.
  const tmp = `${APICURIO_DIR}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  await cp(PROJECT, join(tmp, 'project'), { recursive: true });
  process.stderr.write(
    `kafka-harness: building Apicurio Registry ${APICURIO_VERSION} with Maven (once; cached in ~/.m2)\n`,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        'mvn',
        ['-B', '-q', '-f', join(tmp, 'project/pom.xml'), 'package', '-DskipTests'],
        { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) =>
          err
            ? reject(new Error(`mvn could not build Apicurio Registry: ${err.message}\n${stdout}\n${stderr}`))
            : resolve(),
      );
    });
    const target = join(tmp, 'project/target');
    const out = join(tmp, 'out');
    await mkdir(out);
    await rename(join(target, 'lib'), join(out, 'lib'));
    const runner = (await readdir(target)).find((f) => f.endsWith('-runner.jar'));
    if (!runner) throw new Error(`the Quarkus build left no runner jar in ${target}`);
    await rename(join(target, runner), join(out, 'apicurio-registry-1-runner.jar'));
    await writeFile(join(out, '.complete'), `${new Date().toISOString()}\n`);
    if (!existsSync(COMPLETE)) {
      await rm(APICURIO_DIR, { recursive: true, force: true });
      await rename(out, APICURIO_DIR);
    }
  } catch (err) {
    await mkdir(APICURIO_DIR, { recursive: true });
    await writeFile(FAILED, `${(err as Error).message}\n`);
    throw err;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return RUNNER_JAR;
}

let fetchingClient: Promise<string> | undefined;
/**
 * The classpath of Spring Cloud Stream's ConfluentSchemaRegistryClient (a Java client of Confluent's API from Maven
 * Central), fetched with Maven the first time; compile against it with `compileJava(dir, classpath)`.
 */
export function registryClientClasspath(): Promise<string> {
  fetchingClient ??= fetchMavenJars(
    REGISTRY_CLIENT_POM,
    join(CACHE_DIR, `registry-client-${REGISTRY_CLIENT_VERSION}`, 'libs'),
    `Spring Cloud Stream's schema registry client ${REGISTRY_CLIENT_VERSION}`,
  );
  return fetchingClient;
}

export interface ApicurioRegistry {
  /** The Confluent-compatible API's base, e.g. `http://127.0.0.1:40123/apis/ccompat/v6`. */
  ccompatUrl: string;
  url: string;
  proc: ChildProcess;
  logs: string[];
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

/** Starts Apicurio Registry (in-memory H2 storage, no auth) on a free loopback port. */
export async function startApicurio(opts: { heapMb?: number } = {}): Promise<ApicurioRegistry> {
  const jar = await apicurioJar();
  const proc = spawn(
    'java',
    [
      `-Xmx${opts.heapMb ?? 384}m`,
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-Dquarkus.http.host=127.0.0.1',
      '-Dquarkus.http.port=0',
      '-jar',
      jar,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Never outlive the test process, even when it ends without calling stop().
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const logs: string[] = [];
  let url: string | undefined;
  const listening = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      logs.push(chunk.toString());
      url ??= /Listening on: (http:\/\/\S+)/.exec(logs.join(''))?.[1];
      if (url) resolve(url);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    exited.then(() => reject(new Error(`Apicurio Registry exited before listening:\n${logs.join('')}`)));
    setTimeout(
      () => reject(new Error(`Apicurio Registry did not start in ${START_TIMEOUT_MS} ms:\n${logs.join('')}`)),
      START_TIMEOUT_MS,
    ).unref();
  });
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  try {
    const base = await listening;
    return { url: base, ccompatUrl: `${base}/apis/ccompat/v6`, proc, logs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
