/**
 * The broker's HTTP endpoint: /healthz (liveness), /readyz (readiness) and /metrics (Prometheus text format).
 * Health answers carry only a status, reason codes and the data directory's state in counts (details such as
 * Postgres errors go to the log); /metrics requires a bearer token when one is configured, compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { RateLimitedLog } from './rate-limited-log.ts';
import type { StorageHealth } from '../log/log-dir-health.ts';

/** Why the broker is degraded: stable codes for dashboards and probes. */
export type HealthReason =
  | 'metadata_stale'
  | 'metadata_unreachable'
  | 'stopping'
  /** The data directory is below --log-dir-min-free-bytes or a write found it full: produce is refused. */
  | 'log_dir_full'
  /** A log or store is offline after a failed write or fsync (until a restart). */
  | 'storage_offline'
  /** A read found a stored batch that fails its CRC (run `samsa log verify`). */
  | 'log_corrupt';

export interface HealthReport {
  status: 'ok' | 'degraded';
  reasons: HealthReason[];
  /** Present once the log directory is open. */
  storage?: StorageHealth;
}

export interface HttpEndpoints {
  ready(): boolean;
  metrics(): string;
  health(): HealthReport;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  log: Logger;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison of the presented bearer token with the configured one (digests have equal length). */
export function bearerTokenMatches(authorization: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}

function json(res: import('node:http').ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export function startHttpServer(host: string, port: number, endpoints: HttpEndpoints): Promise<Server> {
  const refusals = new RateLimitedLog(endpoints.log);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      json(res, 405, { error: 'method not allowed' });
      return;
    }
    if (path === '/healthz') {
      json(res, 200, endpoints.health());
    } else if (path === '/readyz') {
      const ready = endpoints.ready();
      json(res, ready ? 200 : 503, { ready, ...endpoints.health() });
    } else if (path === '/metrics') {
      if (endpoints.metricsToken && !bearerTokenMatches(req.headers.authorization, endpoints.metricsToken)) {
        refusals.warn('metrics', { remote: req.socket.remoteAddress }, 'refused /metrics without the metrics token');
        json(
          res,
          401,
          { error: 'unauthorized', message: 'send Authorization: Bearer <token> with the --metrics-token value' },
          { 'www-authenticate': 'Bearer realm="samsa-metrics"' },
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(endpoints.metrics());
    } else {
      json(res, 404, { error: 'not found' });
    }
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.maxConnections = 256;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
