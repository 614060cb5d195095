/** Test support: runs kcat (librdkafka) with a bounded time and returns its output. */
import { execFile } from 'node:child_process';

export function kcat(args: string[], input?: string, timeoutMs = 30_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kcat ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** kcat's arguments for a SASL_SSL connection to `bootstrap`, trusting the PEM CA in `caFile`. */
export function kcatSaslSsl(opts: {
  bootstrap: string;
  caFile: string;
  username: string;
  password: string;
  mechanism?: string;
}): string[] {
  return [
    '-b',
    opts.bootstrap,
    '-X',
    'security.protocol=SASL_SSL',
    '-X',
    `ssl.ca.location=${opts.caFile}`,
    '-X',
    `sasl.mechanisms=${opts.mechanism ?? 'SCRAM-SHA-512'}`,
    '-X',
    `sasl.username=${opts.username}`,
    '-X',
    `sasl.password=${opts.password}`,
  ];
}
