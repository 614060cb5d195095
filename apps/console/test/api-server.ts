/**
 * Test support: the console's real /api/v1 route handlers (src/api/routes.ts) served over HTTP on a free loopback
 * port, without Next.js, so that a real `samsa` process (the CLI) can sign in and call them as it calls the console.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Method } from '../src/api/define.ts';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/** `/tenants/{tenant}/groups` -> a regex with one named group per parameter. */
function matcher(template: string): RegExp {
  return new RegExp(`^${template.replaceAll('.', '\\.').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`);
}

async function body(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined;
}

export async function startApiServer(): Promise<ApiServer> {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const routes = Object.entries(apiRoutes).map(([template, spec]) => ({ re: matcher(template), spec }));
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const path = url.pathname.replace(/^\/api\/v1/, '');
      for (const { re, spec } of routes) {
        const m = re.exec(path);
        const op = m ? spec[(req.method ?? 'GET') as Method] : undefined;
        if (!m || !op) continue;
        const params = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
        const payload = req.method === 'GET' ? undefined : await body(req);
        // The caller going away aborts the request, as in Next.js (a streamed search stops).
        const gone = new AbortController();
        res.on('close', () => gone.abort());
        const response = await op.handler(
          new Request(url, { method: req.method, headers, body: payload, signal: gone.signal }),
          { params: Promise.resolve(params) },
        );
        res.writeHead(response.status, Object.fromEntries(response.headers));
        // Streamed as it comes (NDJSON search events), not buffered.
        for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) res.write(chunk);
        res.end();
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: `no route ${req.method} ${path}` } }));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: (err as Error).message } }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
