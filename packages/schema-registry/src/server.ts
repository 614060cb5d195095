/**
 * The HTTP side: authenticates each request, picks the tenant it acts on, reads a bounded JSON body, runs the
 * route and writes Confluent's content type and error bodies. The platform admin names a tenant with Confluent's
 * context syntax: a path under `/contexts/.<slug>/` or a subject `:.<slug>:<subject>`; without one it can only
 * list subjects (all tenants', context-qualified).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Db } from '@samsa/db';
import type { Logger } from 'pino';
import { FULL_ACCESS, keyAccess } from './access.ts';
import type { Authenticator, Caller } from './auth.ts';
import { errors, RegistryError } from './errors.ts';
import { RegistryMetrics } from './metrics.ts';
import type { SchemaRegistry } from './registry.ts';
import { matchRoute, RawSchema } from './routes.ts';

export const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export interface ServerOptions {
  db: Db;
  registry: SchemaRegistry;
  authenticator: Authenticator;
  logger: Logger;
  /** Largest request body accepted, in bytes (413 past it). */
  maxRequestBytes: number;
  /** Open connections at most. */
  maxConnections: number;
  /** When set, GET /metrics asks for `Authorization: Bearer <token>`. */
  metricsToken: string | null;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body instanceof RawSchema) {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body.text);
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) return reject(errors.payloadTooLarge(maxBytes));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        reject(errors.payloadTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > maxBytes) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(errors.badRequest('The request body is not valid JSON'));
      }
    });
  });
}

function decodeSegments(pathname: string): string[] {
  const segments = pathname.split('/').filter((s) => s.length > 0);
  try {
    return segments.map((s) => decodeURIComponent(s));
  } catch {
    throw errors.badRequest('Malformed percent-encoding in the path');
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

const CONTEXT_SUBJECT = /^:\.([^:]+):(.*)$/s;

export function createRegistryServer(options: ServerOptions): Server {
  const { db, registry, authenticator, logger } = options;
  const slugToTenant = async (slug: string): Promise<string> => {
    const t = await db.tenant.findUnique({ where: { slug }, select: { id: true } });
    if (!t) throw errors.notFound();
    return t.id;
  };

  const metrics = new RegistryMetrics(() => registry.cacheBytes);

  const serveMetrics = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const token = options.metricsToken;
    if (token && !timingSafeEqual(sha256(req.headers.authorization ?? ''), sha256(`Bearer ${token}`))) {
      throw errors.unauthorized();
    }
    const text = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(text);
  };

  /** Answers the request; returns its status and route pattern (for the metrics). */
  const handle = async (req: IncomingMessage, res: ServerResponse, seen: { route: string }): Promise<number> => {
    const url = new URL(req.url ?? '/', 'http://registry');
    if (url.pathname === '/metrics' && req.method === 'GET') {
      seen.route = '/metrics';
      await serveMetrics(req, res);
      return 200;
    }
    let segments = decodeSegments(url.pathname);
    const contextSlug = segments[0] === 'contexts' && segments[1]?.startsWith('.') ? segments[1].slice(1) : null;
    if (contextSlug !== null) segments = segments.slice(2);
    const matched = matchRoute(req.method ?? 'GET', segments);
    if (matched !== null && !('methodNotAllowed' in matched)) {
      seen.route = `/${matched.route.path.map((p) => (p.startsWith(':') ? `{${p.slice(1)}}` : p)).join('/')}`;
    }
    const caller: Caller = await authenticator.authenticate(req.headers.authorization);
    let tenantId: string | null = caller.kind === 'tenant' ? caller.tenantId : null;
    if (contextSlug !== null) {
      if (caller.kind !== 'admin') throw errors.forbidden('contexts (platform admin only)');
      tenantId = await slugToTenant(contextSlug);
    }
    if (matched === null) throw errors.notFound();
    if ('methodNotAllowed' in matched) throw errors.methodNotAllowed();
    const params = matched.params;
    if (caller.kind === 'admin' && params.subject !== undefined) {
      const m = CONTEXT_SUBJECT.exec(params.subject);
      if (m) {
        tenantId = await slugToTenant(m[1] as string);
        params.subject = m[2] as string;
      }
    }
    const access = caller.kind === 'admin' ? FULL_ACCESS : keyAccess(caller.bindings, req.socket.remoteAddress ?? '');
    const needs = matched.route.needs;
    if (needs === 'global' && !access.global) {
      throw errors.forbidden(`${req.method} ${url.pathname}: only a tenant admin key changes global settings`);
    }
    if (needs !== null && needs !== 'global' && !access.may(needs, params.subject as string)) {
      throw errors.forbidden(
        `${needs} on Subject: ${params.subject} (a tenant admin allows it with a SUBJECT ACL: the console's ACLs page, or samsa acl add --resource-type subject)`,
      );
    }
    const body =
      req.method === 'POST' || req.method === 'PUT' ? await readBody(req, options.maxRequestBytes) : undefined;
    const result = await matched.route.handle({
      registry,
      tenantId,
      access,
      allTenants: caller.kind === 'admin' ? () => registry.tenantsWithSubjects() : null,
      params,
      query: url.searchParams,
      body,
    });
    send(res, 200, result);
    return 200;
  };

  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const seen = { route: 'unmatched' };
    handle(req, res, seen)
      .catch((err: unknown) => {
        const e = err instanceof RegistryError ? err : null;
        if (!e) logger.error({ err: (err as Error).message, path: req.url }, 'schema registry request failed');
        const out = e ?? new RegistryError(500, 50001, 'Internal server error');
        if (out.status === 401) res.setHeader('www-authenticate', 'Basic realm="samsa-schema-registry"');
        if (out.status === 413) res.setHeader('connection', 'close');
        send(res, out.status, out.body());
        return out.status;
      })
      .then((status) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.observe(seen.route, req.method ?? 'GET', status, seconds);
        logger.debug({ method: req.method, route: seen.route, status, ms: Math.round(seconds * 1000) }, 'request');
      });
  });
  server.maxConnections = options.maxConnections;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
