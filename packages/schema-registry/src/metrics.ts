/**
 * The registry's Prometheus metrics (prom-client, its own registry): requests by route pattern, method and status,
 * their latency, and the caches' sizes. Labels never carry a tenant, subject or schema, so /metrics reveals no
 * tenant's data; it still asks for `Authorization: Bearer <SAMSA_METRICS_TOKEN>` when that token is set.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class RegistryMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'samsa_schema_registry_requests_total',
    help: 'HTTP requests by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'samsa_schema_registry_request_duration_seconds',
    help: 'HTTP request latency by route pattern',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  constructor(cacheBytes: () => { tenants: number; parsed: number }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'samsa_schema_registry_' });
    new Gauge({
      name: 'samsa_schema_registry_cache_bytes',
      help: 'Estimated bytes held by the caches (tenant registries, parsed schemas)',
      labelNames: ['cache'] as const,
      registers: [this.registry],
      collect() {
        const bytes = cacheBytes();
        this.set({ cache: 'tenants' }, bytes.tenants);
        this.set({ cache: 'parsed' }, bytes.parsed);
      },
    });
  }

  observe(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.latency.observe({ route }, seconds);
  }
}
