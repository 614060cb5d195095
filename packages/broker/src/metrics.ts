/**
 * Prometheus metrics, rendered in the text exposition format by hand (no dependency): counters, gauges computed at
 * scrape time, and a per-API request latency histogram.
 */

export class Counter {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

/** A counter per value of one label (e.g. reason); the label values are a fixed set chosen by the code. */
export class LabeledCounter<L extends string> {
  readonly values = new Map<L, number>();
  inc(label: L, by = 1): void {
    this.values.set(label, (this.values.get(label) ?? 0) + by);
  }
  get(label: L): number {
    return this.values.get(label) ?? 0;
  }
  total(): number {
    let sum = 0;
    for (const v of this.values.values()) sum += v;
    return sum;
  }
}

/** Why a new connection was refused before any request was read. */
export type RefusedReason = 'max_connections' | 'per_ip' | 'tenant_quota';
/** Why the broker closed a connection it had accepted (not counting client disconnects or shutdown). */
export type ClosedReason =
  | 'pre_auth_frame_too_large'
  | 'frame_too_large'
  | 'auth_timeout'
  | 'idle'
  | 'buffer_budget'
  | 'sasl_failed';

export interface RequestBufferGauges {
  authenticatedBytes: number;
  unauthenticatedBytes: number;
  waitingConnections: number;
}

const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

class Histogram {
  readonly counts = new Array<number>(LATENCY_BUCKETS_SECONDS.length).fill(0);
  sum = 0;
  count = 0;
  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < LATENCY_BUCKETS_SECONDS.length; i++) {
      if (seconds <= LATENCY_BUCKETS_SECONDS[i]!) this.counts[i]!++;
    }
  }
}

export interface PartitionGauge {
  topic: string;
  partition: number;
  sizeBytes: number;
  logStartOffset: bigint;
  logEndOffset: bigint;
  /** Compacted partitions the cleaner has looked at. */
  cleaner?: { dirtyRatio: number; cleanedBytesTotal: number; lastCleanMs: number | null };
}

export class Metrics {
  readonly bytesIn = new Counter();
  readonly bytesOut = new Counter();
  readonly connectionsAccepted = new Counter();
  readonly connectionsRefused = new LabeledCounter<RefusedReason>();
  readonly connectionsClosed = new LabeledCounter<ClosedReason>();
  readonly recordsIn = new Counter();
  /** Requests refused at a tenant-facing bound (topic configs, group and offset quotas, group size), by bound. */
  private readonly refusals = new Map<string, Counter>();
  private readonly requests = new Map<string, Histogram>();
  /** Filled by the broker at scrape time. */
  gauges: () => { connections: number; partitions: PartitionGauge[]; requestBuffer?: RequestBufferGauges } = () => ({
    connections: 0,
    partitions: [],
  });

  /** The data directory's free space, storage errors and corrupt batches, rendered at scrape time. */
  storage: () => string[] = () => [];

  /** Counts one refusal at the named bound (a fixed identifier such as 'topic_config', never a tenant's input). */
  refused(limit: string): void {
    let c = this.refusals.get(limit);
    if (!c) {
      c = new Counter();
      this.refusals.set(limit, c);
    }
    c.inc();
  }

  observeRequest(api: string, seconds: number): void {
    let h = this.requests.get(api);
    if (!h) {
      h = new Histogram();
      this.requests.set(api, h);
    }
    h.observe(seconds);
  }

  render(): string {
    const out: string[] = [];
    const counter = (name: string, help: string, value: number) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
    };
    counter('samsa_bytes_in_total', 'Bytes received from clients.', this.bytesIn.value);
    counter('samsa_bytes_out_total', 'Bytes sent to clients.', this.bytesOut.value);
    counter('samsa_records_in_total', 'Records appended by Produce.', this.recordsIn.value);
    counter('samsa_connections_accepted_total', 'Client connections accepted.', this.connectionsAccepted.value);
    counter(
      'samsa_connections_rejected_total',
      'Connections refused over a limit (all reasons; see samsa_connections_refused_total).',
      this.connectionsRefused.total(),
    );
    const labeled = (name: string, help: string, c: LabeledCounter<string>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [reason, v] of c.values) out.push(`${name}{reason="${reason}"} ${v}`);
    };
    labeled(
      'samsa_connections_refused_total',
      'Connections refused over a limit: max_connections, per_ip, tenant_quota.',
      this.connectionsRefused,
    );
    labeled(
      'samsa_connections_closed_total',
      'Connections the broker closed: pre_auth_frame_too_large, frame_too_large, auth_timeout, idle, buffer_budget, sasl_failed.',
      this.connectionsClosed,
    );
    out.push(
      '# HELP samsa_limit_refusals_total Requests refused at a bound, by bound.',
      '# TYPE samsa_limit_refusals_total counter',
    );
    for (const [limit, c] of this.refusals) out.push(`samsa_limit_refusals_total{limit="${limit}"} ${c.value}`);
    const g = this.gauges();
    out.push('# HELP samsa_connections Open client connections.', '# TYPE samsa_connections gauge');
    out.push(`samsa_connections ${g.connections}`);
    if (g.requestBuffer) {
      const b = g.requestBuffer;
      out.push(
        '# HELP samsa_request_buffer_bytes Bytes of requests received and not yet answered (whole or partial), by connection state.',
        '# TYPE samsa_request_buffer_bytes gauge',
        `samsa_request_buffer_bytes{state="authenticated"} ${b.authenticatedBytes}`,
        `samsa_request_buffer_bytes{state="unauthenticated"} ${b.unauthenticatedBytes}`,
        '# HELP samsa_request_buffer_waiting_connections Connections not read while the request buffer is full.',
        '# TYPE samsa_request_buffer_waiting_connections gauge',
        `samsa_request_buffer_waiting_connections ${b.waitingConnections}`,
      );
    }
    out.push('# HELP samsa_requests_total Requests handled, by API.', '# TYPE samsa_requests_total counter');
    for (const [api, h] of this.requests) out.push(`samsa_requests_total{api="${api}"} ${h.count}`);
    out.push(
      '# HELP samsa_request_duration_seconds Request handling latency, by API.',
      '# TYPE samsa_request_duration_seconds histogram',
    );
    for (const [api, h] of this.requests) {
      LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
        out.push(`samsa_request_duration_seconds_bucket{api="${api}",le="${le}"} ${h.counts[i]}`);
      });
      out.push(`samsa_request_duration_seconds_bucket{api="${api}",le="+Inf"} ${h.count}`);
      out.push(`samsa_request_duration_seconds_sum{api="${api}"} ${h.sum}`);
      out.push(`samsa_request_duration_seconds_count{api="${api}"} ${h.count}`);
    }
    const gauge = (name: string, help: string, pick: (p: PartitionGauge) => number | bigint) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const p of g.partitions) out.push(`${name}{topic="${p.topic}",partition="${p.partition}"} ${pick(p)}`);
    };
    gauge('samsa_partition_size_bytes', 'Bytes on disk per partition.', (p) => p.sizeBytes);
    gauge('samsa_partition_log_start_offset', 'First offset still stored.', (p) => p.logStartOffset);
    gauge('samsa_partition_log_end_offset', 'Next offset to be written (high watermark).', (p) => p.logEndOffset);
    const cleaned = g.partitions.filter((p) => p.cleaner !== undefined);
    const cleanerMetric = (name: string, type: string, help: string, pick: (p: PartitionGauge) => number) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const p of cleaned) out.push(`${name}{topic="${p.topic}",partition="${p.partition}"} ${pick(p)}`);
    };
    cleanerMetric(
      'samsa_log_cleaner_dirty_ratio',
      'gauge',
      'Compacted partitions: bytes not cleaned yet / cleanable bytes (compare min.cleanable.dirty.ratio).',
      (p) => p.cleaner!.dirtyRatio,
    );
    cleanerMetric(
      'samsa_log_cleaner_cleaned_bytes_total',
      'counter',
      'Compacted partitions: bytes the log cleaner read and compacted since the broker started.',
      (p) => p.cleaner!.cleanedBytesTotal,
    );
    cleanerMetric(
      'samsa_log_cleaner_last_clean_timestamp_seconds',
      'gauge',
      'Compacted partitions: when the last clean ended (0 = not since the broker started).',
      (p) => (p.cleaner!.lastCleanMs ?? 0) / 1000,
    );
    out.push(...this.storage());
    return `${out.join('\n')}\n`;
  }
}
