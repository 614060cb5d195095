/**
 * A server process the bench starts for itself (a private redis-server or nats-server), so a peer can be measured at a
 * durability the machine's shared servers are not configured for, without touching them: free loopback ports, a temp
 * data dir, and on stop the process (only this one, by its pid) ends and the dir is deleted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@samsa/db/embedded';

const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5000;
const POLL_MS = 50;

export interface PrivateServer {
  pid: number;
  port: number;
  /** Its temp dir: data, config and log. */
  dir: string;
  /** SIGTERM, then SIGKILL after a grace period; then the temp dir is deleted. */
  stop(): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The last lines of a server's log, for an error message. */
function logTail(file: string, lines = 3): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

/**
 * Starts `command` with the arguments `args(dir, port)` returns (called once the dir exists: it may write a config file
 * into it), and waits until `port` accepts connections. Throws with the end of the server's output if it exits first (for
 * example on an option it does not know) or does not listen in time; the dir is deleted then.
 */
export async function startPrivateServer(
  command: string,
  args: (dir: string, port: number) => string[],
  dirPrefix: string,
): Promise<PrivateServer> {
  const dir = mkdtempSync(join(tmpdir(), `${dirPrefix}-`));
  const port = await freePort();
  const log = join(dir, 'server.log');
  const logFd = openSync(log, 'w');
  let proc: ChildProcess;
  try {
    proc = spawn(command, args(dir, port), { stdio: ['ignore', logFd, logFd] });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    closeSync(logFd);
  }
  const pid = proc.pid ?? 0;
  let exited = pid === 0;
  const exit = new Promise<void>((resolve) => {
    const done = () => {
      exited = true;
      resolve();
    };
    proc.once('exit', done);
    proc.once('error', done);
  });
  // Should the bench die meanwhile, its server goes too.
  const killAtExit = () => {
    if (!exited) process.kill(pid, 'SIGKILL');
  };
  process.once('exit', killAtExit);
  const stop = async () => {
    process.off('exit', killAtExit);
    if (!exited) {
      process.kill(pid, 'SIGTERM');
      const killer = setTimeout(() => !exited && process.kill(pid, 'SIGKILL'), STOP_GRACE_MS);
      await exit;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      const why = exited ? 'exited' : `did not listen on 127.0.0.1:${port} in ${START_TIMEOUT_MS / 1000} s`;
      const tail = logTail(log);
      await stop();
      throw new Error(`${command} ${why}${tail ? `: ${tail}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { pid, port, dir, stop };
}
