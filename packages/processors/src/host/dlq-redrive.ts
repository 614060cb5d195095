/**
 * DLQ re-drive: a ProcessorRedrive row not yet started is claimed by one host, which reads the processor's
 * dead-letter topic with the group `samsa-processor.<name>.redrive` from its committed position (earliest when
 * none) up to the end it saw at the start, sends each record's original key, value and headers through the current
 * version, writes the outputs (a record failing again goes back to the DLQ), commits, and reports progress.
 */
import { Consumer, Producer } from '@platformatic/kafka';
import { type InputRecord, processorGroupId } from '../types.ts';
import {
  commitWithMetadata,
  committedPositions,
  EARLIEST,
  IDEMPOTENT_PRODUCER,
  LATEST,
  partitionOffsets,
  type ReadRecord,
  readRange,
} from './kafka-access.ts';
import { deadLetterMessage, HOST_HEADERS, type OutMessage, outputMessage } from './output-records.ts';
import type { ProcessorHost } from './processor-host.ts';
import { withSchemas } from './schema-sandbox.ts';

type ProcessorRow = Awaited<ReturnType<ProcessorHost['loadProcessors']>>[number];

interface Progress {
  read: number;
  written: number;
  failedAgain: number;
}

/** A started re-drive without progress for this long is taken over (its host died). */
const REDRIVE_STALE_MS = 120_000;
/** Bytes of dead letters read per step (then processed, written and committed). */
const STEP_MAX_BYTES = 4 * 1_048_576;

export class DlqRedriver {
  readonly #host: ProcessorHost;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(host: ProcessorHost) {
    this.#host = host;
  }

  /**
   * Claims one waiting re-drive (at most one runs per host at a time), or one whose host stopped reporting progress
   * for REDRIVE_STALE_MS (it died): that one continues from the re-drive group's committed offsets.
   */
  async tick(processors: ProcessorRow[]): Promise<void> {
    if (this.#running || this.#stopped) return;
    const { db } = this.#host.deps;
    const byId = new Map(processors.map((p) => [p.id, p]));
    const open = await db.processorRedrive.findMany({
      where: { finishedAt: null, processorId: { in: [...byId.keys()] } },
      orderBy: { requestedAt: 'asc' },
      take: 20,
    });
    const now = Date.now();
    const r = open.find((x) => {
      if (x.startedAt === null) return true;
      const beat = (x.progress as { heartbeatAt?: string } | null)?.heartbeatAt;
      return now - (beat ? Date.parse(beat) : x.startedAt.getTime()) > REDRIVE_STALE_MS;
    });
    if (!r) return;
    const claimed = await db.processorRedrive.updateMany({
      where: { id: r.id, startedAt: r.startedAt, finishedAt: null },
      data: { startedAt: new Date(), progress: { ...(r.progress as object), heartbeatAt: new Date().toISOString() } },
    });
    if (claimed.count === 0) return;
    this.#running = this.#run(r.id, byId.get(r.processorId)!, r.progress as Partial<Progress> | null).finally(
      () => (this.#running = null),
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  async #run(redriveId: string, p: ProcessorRow, prior: Partial<Progress> | null): Promise<void> {
    const { db, logger } = this.#host.deps;
    // A re-drive taken over from a dead host keeps counting from what that host reported.
    const progress: Progress = {
      read: prior?.read ?? 0,
      written: prior?.written ?? 0,
      failedAgain: prior?.failedAgain ?? 0,
    };
    try {
      await this.#redrive(redriveId, p, progress);
      await db.processorRedrive.updateMany({
        where: { id: redriveId },
        data: { progress: { ...progress }, finishedAt: new Date() },
      });
      logger.info({ processor: p.name, ...progress }, 'dlq re-drive finished');
    } catch (err) {
      logger.warn({ err, processor: p.name }, 'dlq re-drive failed');
      await db.processorRedrive
        .updateMany({
          where: { id: redriveId },
          data: { progress: { ...progress }, finishedAt: new Date(), error: (err as Error).message.slice(0, 1_000) },
        })
        .catch(() => undefined);
    }
  }

  async #redrive(redriveId: string, p: ProcessorRow, progress: Progress): Promise<void> {
    const host = this.#host;
    const { db, settings } = host.deps;
    const version = p.activeDeployment!.version;
    const dlqTopic = version.dlqTopic;
    if (!dlqTopic) throw new Error('the processor has no dead-letter topic');
    const env = await host.secretEnv(p);
    if (!env) throw new Error('a secret of the processor does not open');
    const access = host.access(p.tenant.slug, p.name);
    const clientId = `samsa-processor-redrive-${p.name}-${host.deps.hostId}`;
    const consumer = new Consumer({
      ...access.clientOptions(clientId),
      groupId: access.name(`${processorGroupId(p.name)}.redrive`),
    });
    const producer = new Producer({
      ...access.clientOptions(clientId),
      ...IDEMPOTENT_PRODUCER,
    });
    const limits = host.limitsOf(p);
    const sandbox = withSchemas(
      await host.deps.createSandbox(p.tenantId, { code: version.code, outputs: version.outputTopics, env, limits }),
      host.deps.schemas,
      p.tenant.slug,
      limits,
    );
    const lineage = { processorId: p.id, name: p.name, version: version.version };
    try {
      const dlq = access.name(dlqTopic);
      const ends = await partitionOffsets(consumer, dlq, LATEST);
      const starts = await partitionOffsets(consumer, dlq, EARLIEST);
      const committed = await committedPositions(
        consumer,
        dlq,
        ends.map((_, i) => i),
      );
      for (let partition = 0; partition < ends.length; partition++) {
        const c = committed.get(partition)?.offset ?? -1n;
        let from = c >= starts[partition]! ? c : starts[partition]!;
        while (from < ends[partition]! && !this.#stopped) {
          const records: ReadRecord[] = [];
          const read = await readRange(
            consumer,
            dlq,
            partition,
            from,
            ends[partition]!,
            { maxBytes: STEP_MAX_BYTES, timeoutMs: settings.requestTimeoutMs, fetchMaxBytes: settings.fetchMaxBytes },
            (r) => void records.push(r),
          );
          const inputs = records.map((r) => originalRecord(version.inputTopic, r));
          const results = sandbox.disposed ? [] : await sandbox.process(inputs);
          const messages: OutMessage[] = [];
          inputs.forEach((input, i) => {
            const result = results[i] ?? {
              ok: false as const,
              error: { kind: 'memory' as const, message: 'sandbox lost' },
            };
            if (result.ok) {
              result.outputs.forEach((o, index) => {
                messages.push(outputMessage(access, lineage, input, o, index));
              });
              progress.written += result.outputs.length;
            } else {
              messages.push(deadLetterMessage(access, lineage, dlqTopic, input, result.error));
              progress.failedAgain++;
            }
          });
          if (messages.length > 0) await producer.send({ messages, acks: -1 });
          progress.read += records.length;
          await commitWithMetadata(consumer, dlq, [{ partition, offset: read.nextOffset, metadata: null }], false);
          await db.processorRedrive.updateMany({
            where: { id: redriveId },
            data: { progress: { ...progress, heartbeatAt: new Date().toISOString() } },
          });
          if (read.nextOffset <= from) break;
          from = read.nextOffset;
        }
      }
    } finally {
      sandbox.dispose();
      await Promise.allSettled([consumer.close(true), producer.close()]);
    }
  }
}

/** A dead letter as the record it was: its source partition and offset, without the host's headers. */
function originalRecord(inputTopic: string, r: ReadRecord): InputRecord {
  const header = (name: string) => r.headers.find(([k]) => k === name)?.[1].toString('utf8');
  const partition = Number(header('samsa-source-partition') ?? 0);
  const offset = header('samsa-source-offset');
  return {
    topic: header('samsa-source-topic') ?? inputTopic,
    partition: Number.isInteger(partition) ? partition : 0,
    offset: offset && /^\d+$/.test(offset) ? BigInt(offset) : r.offset,
    timestampMs: r.timestampMs,
    key: r.key,
    value: r.value,
    headers: r.headers.filter(([k]) => !HOST_HEADERS.includes(k)),
  };
}
