/** Test support: a real `samsa schema-registry` process on a free port, against a test database. */
import { type ChildProcess, spawn } from 'node:child_process';
import { SAMSA_BIN } from './broker-process.ts';

export const SUPERUSER = { name: 'admin', password: 'registry-test-superuser' };

export interface RegistryProcess {
  url: string;
  proc: ChildProcess;
  logs: string[];
  stop(): Promise<void>;
}

export async function startRegistry(databaseUrl: string, env: Record<string, string> = {}): Promise<RegistryProcess> {
  const proc = spawn(process.execPath, [SAMSA_BIN, 'schema-registry', '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SAMSA_SUPERUSER_NAME: SUPERUSER.name,
      SAMSA_SUPERUSER_PASSWORD: SUPERUSER.password,
      SAMSA_LOG_LEVEL: 'info',
      ...env,
    },
  });
  const logs: string[] = [];
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    proc.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        try {
          const entry = JSON.parse(line);
          if (entry.msg === 'schema registry listening') resolve(entry.url);
        } catch {}
      }
    });
    proc.stderr?.on('data', (c: Buffer) => logs.push(c.toString()));
    exit.then(() => reject(new Error(`the registry exited before listening:\n${logs.join('\n')}`)));
    setTimeout(() => reject(new Error(`the registry did not start in 20 s:\n${logs.join('\n')}`)), 20_000).unref();
  });
  return {
    url,
    proc,
    logs,
    async stop() {
      if (exited) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A fetch against the registry as one caller: `call('POST', '/subjects/x/versions', body)`. */
export function client(url: string, auth: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any; type: string }> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: auth,
        ...(body === undefined ? {} : { 'content-type': 'application/vnd.schemaregistry.v1+json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed, type: res.headers.get('content-type') ?? '' };
  };
}
