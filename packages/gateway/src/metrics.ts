/**
 * GatewayMetrics: counters the gateway exposes as Prometheus text on its optional HTTP port: connections (open,
 * accepted, refused and closed by reason), requests forwarded by API with their total time, Kafka connections opened
 * and failed.
 */
export type GatewayClosedReason =
  | 'auth_timeout'
  | 'pre_auth_frame_too_large'
  | 'frame_too_large'
  | 'request_before_auth'
  | 'unsupported_api'
  | 'sasl_failed'
  | 'per_address'
  | 'max_connections'
  | 'tls_handshake';

export class GatewayMetrics {
  openConnections = 0;
  acceptedTotal = 0;
  upstreamOpenedTotal = 0;
  upstreamFailedTotal = 0;
  private readonly closedByReason = new Map<string, number>();
  private readonly requests = new Map<string, { count: number; totalMs: number }>();

  closed(reason: GatewayClosedReason): void {
    this.closedByReason.set(reason, (this.closedByReason.get(reason) ?? 0) + 1);
  }

  request(api: string, elapsedMs: number): void {
    const r = this.requests.get(api) ?? { count: 0, totalMs: 0 };
    r.count++;
    r.totalMs += elapsedMs;
    this.requests.set(api, r);
  }

  render(): string {
    const lines = [
      '# TYPE samsa_gateway_connections gauge',
      `samsa_gateway_connections ${this.openConnections}`,
      '# TYPE samsa_gateway_connections_accepted_total counter',
      `samsa_gateway_connections_accepted_total ${this.acceptedTotal}`,
      '# TYPE samsa_gateway_connections_closed_total counter',
      ...[...this.closedByReason].map(([r, n]) => `samsa_gateway_connections_closed_total{reason="${r}"} ${n}`),
      '# TYPE samsa_gateway_requests_total counter',
      ...[...this.requests].map(([api, r]) => `samsa_gateway_requests_total{api="${api}"} ${r.count}`),
      '# TYPE samsa_gateway_request_seconds_total counter',
      ...[...this.requests].map(([api, r]) => `samsa_gateway_request_seconds_total{api="${api}"} ${r.totalMs / 1000}`),
      '# TYPE samsa_gateway_upstream_connections_opened_total counter',
      `samsa_gateway_upstream_connections_opened_total ${this.upstreamOpenedTotal}`,
      '# TYPE samsa_gateway_upstream_connections_failed_total counter',
      `samsa_gateway_upstream_connections_failed_total ${this.upstreamFailedTotal}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
