/** Test support: runs the real `samsa` command (packages/cli) as a child process and collects what it printed. */
import { spawn } from 'node:child_process';
import { SAMSA_BIN } from './broker-process.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `samsa ...args` with this process's environment plus `env` (e.g. its credentials file, URL and token); `stdin`
 * is piped to it when given.
 */
export function runSamsa(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [SAMSA_BIN, ...args], { env: { ...process.env, ...env } });
    if (stdin !== undefined) child.stdin.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}
