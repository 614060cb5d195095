/**
 * Test support (JSON bodies only): the console's /api/v1 route handlers behind a real HTTP listener on a free loopback port, so the
 * `samsa` CLI can be run against them as against a console (without building Next.js).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpConsole {
  url: string;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined;
}

export async function startHttpConsole(): Promise<HttpConsole> {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const routes = Object.entries(apiRoutes).map(([template, spec]) => {
    const names: string[] = [];
    const pattern = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { re: new RegExp(`^/api/v1${pattern}$`), names, spec };
  });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    for (const r of routes) {
      const m = r.re.exec(url.pathname);
      const op = m && r.spec[req.method as keyof typeof r.spec];
      if (!m || !op) continue;
      const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const response = await op.handler(new Request(url, { method: req.method, headers, body: await bodyOf(req) }), {
        params: Promise.resolve(params),
      });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'not_found', message: `no route ${req.method} ${url.pathname}` } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
