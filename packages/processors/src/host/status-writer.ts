/**
 * What the host writes back to the control plane's tables: a processor's status, its instance row (this host's
 * share: partitions and stats), metric samples, and its captured log, kept to the newest N lines. Writes tolerate a
 * processor deleted meanwhile (its rows are gone with it).
 */
import type { Db } from '@samsa/db';
import type { Logger } from 'pino';
import type { ProcessorFailure, ProcessorLogLine, ProcessorRuntime } from './processor-runtime.ts';

type Status = 'PENDING' | 'RUNNING' | 'PAUSED' | 'ERRORED' | 'THROTTLED';
const LEVELS = { info: 'INFO', warn: 'WARN', error: 'ERROR' } as const;
const SAMPLE_RETENTION_MS = 24 * 3_600_000;

export class StatusWriter {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #hostId: string;
  readonly #logLines: number;
  /** Log lines waiting to be written, per processor; at most `logLines` each (older ones are dropped first). */
  readonly #pendingLogs = new Map<string, ProcessorLogLine[]>();
  /** The status last written per processor, so an unchanged one is not written again. */
  readonly #written = new Map<string, string>();
  /**
   * The status write in flight per processor: writes of one processor are made one after the other, in the order
   * asked, so a RUNNING asked before an ERRORED can never land after it (one row, several pool connections).
   */
  readonly #statusWrites = new Map<string, Promise<void>>();

  constructor(db: Db, log: Logger, hostId: string, logLines: number) {
    this.#db = db;
    this.#log = log;
    this.#hostId = hostId;
    this.#logLines = logLines;
  }

  addLog(processorId: string, line: ProcessorLogLine): void {
    let lines = this.#pendingLogs.get(processorId);
    if (!lines) this.#pendingLogs.set(processorId, (lines = []));
    lines.push({ ...line, message: line.message.slice(0, 4_000) });
    if (lines.length > this.#logLines) lines.splice(0, lines.length - this.#logLines);
  }

  setStatus(processorId: string, status: Status, reason: string | null, lastError?: ProcessorFailure): Promise<void> {
    const previous = this.#statusWrites.get(processorId) ?? Promise.resolve();
    const write = previous
      .catch(() => {})
      .then(async () => {
        const key = `${status}\u0000${reason ?? ''}`;
        if (lastError === undefined && this.#written.get(processorId) === key) return;
        await this.#db.processor.updateMany({
          where: { id: processorId },
          data: {
            status,
            statusReason: reason,
            statusAt: new Date(),
            ...(lastError ? { lastError: lastError as unknown as object } : {}),
          },
        });
        this.#written.set(processorId, key);
      });
    this.#statusWrites.set(processorId, write);
    void write
      .finally(() => {
        if (this.#statusWrites.get(processorId) === write) this.#statusWrites.delete(processorId);
      })
      .catch(() => {});
    return write;
  }

  forget(processorId: string): void {
    this.#written.delete(processorId);
  }

  async flushLogs(): Promise<void> {
    const batches = [...this.#pendingLogs];
    this.#pendingLogs.clear();
    for (const [processorId, lines] of batches) {
      try {
        await this.#db.processorLog.createMany({
          data: lines.map((l) => ({
            processorId,
            at: new Date(l.atMs),
            level: LEVELS[l.level],
            message: l.message,
            version: l.version,
            partition: l.partition,
            offset: l.offset,
          })),
        });
        await this.#db.$executeRaw`
          DELETE FROM "ProcessorLog" WHERE "processorId" = ${processorId}::uuid AND id < (
            SELECT id FROM "ProcessorLog" WHERE "processorId" = ${processorId}::uuid
            ORDER BY id DESC OFFSET ${this.#logLines - 1} LIMIT 1)`;
      } catch (err) {
        this.#log.debug({ err, processorId }, 'processor log not written (processor deleted?)');
      }
    }
  }

  async writeInstance(rt: ProcessorRuntime, lagRecords: bigint | null): Promise<void> {
    const stats = rt.stats;
    const rates = stats.rates('status');
    const tasks = rt.tasks();
    const memoryBytes = tasks.reduce((sum, t) => sum + t.heapBytes, 0);
    const body = {
      partitions: rt.assignedPartitions(),
      stats: {
        ...stats.counters,
        recordsPerSecIn: rates.inPerSec,
        recordsPerSecOut: rates.outPerSec,
        errorsPerSec: rates.errorPerSec,
        dropRatio: rates.dropRatio,
        ...stats.percentiles(),
        cpuMsPerSec: rates.cpuMsPerSec,
        cpuMsPerSecLimit: rt.deps.budget.msPerSec,
        memoryBytes,
        memoryLimitBytes: rt.spec.limits.memoryMb * 1_048_576 * Math.max(1, tasks.length),
        lagRecords: lagRecords === null ? null : Number(lagRecords),
        lagSeconds: rt.lagSeconds(),
      },
      heartbeatAt: new Date(),
    };
    try {
      await this.#db.processorInstance.upsert({
        where: { processorId_hostId: { processorId: rt.spec.processorId, hostId: this.#hostId } },
        create: { processorId: rt.spec.processorId, hostId: this.#hostId, ...body },
        update: body,
      });
    } catch (err) {
      this.#log.debug({ err, processor: rt.spec.name }, 'processor instance not written (processor deleted?)');
    }
  }

  async removeInstance(processorId: string): Promise<void> {
    await this.#db.processorInstance.deleteMany({ where: { processorId, hostId: this.#hostId } });
  }

  async writeSample(rt: ProcessorRuntime, lagRecords: bigint | null): Promise<void> {
    const rates = rt.stats.rates('sample');
    const p = rt.stats.percentiles();
    try {
      await this.#db.processorMetricSample.create({
        data: {
          processorId: rt.spec.processorId,
          at: new Date(),
          inPerSec: rates.inPerSec,
          outPerSec: rates.outPerSec,
          errorPerSec: rates.errorPerSec,
          dropRatio: rates.dropRatio,
          lagRecords: lagRecords ?? 0n,
          lagSeconds: rt.lagSeconds(),
          p50Ms: p.p50Ms,
          p99Ms: p.p99Ms,
          cpuMsPerSec: rates.cpuMsPerSec,
          memoryBytes: BigInt(rt.tasks().reduce((sum, t) => sum + t.heapBytes, 0)),
        },
      });
    } catch (err) {
      this.#log.debug({ err, processor: rt.spec.name }, 'processor sample not written (processor deleted?)');
    }
  }

  async deleteOldSamples(): Promise<void> {
    await this.#db.processorMetricSample.deleteMany({
      where: { at: { lt: new Date(Date.now() - SAMPLE_RETENTION_MS) } },
    });
  }
}
