/**
 * Test support for disk faults: the LD_PRELOAD shim (disk-fault-shim.c, compiled here with the machine's gcc) that
 * fails writes and fsyncs on demand, and a size-limited tmpfs for a data directory that really fills up.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SHIM_SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'disk-fault-shim.c');

export interface FaultShim {
  /** Environment for the broker process: the shim preloaded and reading `controlPath`. */
  env: NodeJS.ProcessEnv;
  /** Replaces the rules (`write|fsync EIO|ENOSPC <path substring> [count]`); an empty list stops all faults. */
  set(rules: string[]): Promise<void>;
  cleanup(): Promise<void>;
}

/** Compiles the shim; null (with the reason) when there is no C compiler. */
export async function buildFaultShim(): Promise<FaultShim | { missing: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-fault-shim-'));
  const lib = join(dir, 'disk-fault-shim.so');
  try {
    await run('gcc', ['-shared', '-fPIC', '-O2', '-o', lib, SHIM_SOURCE, '-ldl', '-lpthread']);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    return { missing: `gcc could not build the fault shim: ${(err as Error).message}` };
  }
  const controlPath = join(dir, 'rules');
  await writeFile(controlPath, '');
  return {
    // libuv's io_uring path would bypass the libc calls the shim replaces.
    env: { LD_PRELOAD: lib, SAMSA_FAULT_CONTROL: controlPath, UV_USE_IO_URING: '0' },
    set: (rules) => writeFile(controlPath, rules.length === 0 ? '' : `${rules.join('\n')}\n`),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface SmallDisk {
  dir: string;
  unmount(): Promise<void>;
}

/** A tmpfs of `sizeBytes` mounted on a new directory; null (with the reason) where mounting is not allowed. */
export async function mountSmallDisk(sizeBytes: number): Promise<SmallDisk | { missing: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-small-disk-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    return { missing: `cannot mount a tmpfs here: ${(err as Error).message}` };
  }
  return {
    dir,
    async unmount() {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The Kafka error name a kafkajs error carries (walking its causes), e.g. KAFKA_STORAGE_ERROR. */
export function kafkaErrorType(err: unknown): string {
  let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e.type && e.type !== 'UNKNOWN') return e.type;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return (err as Error)?.name ?? String(err);
}
