/**
 * The reconciler: every SAMSA_PROCESSORS_POLL_MS it reads the processors of active tenants and makes this host's
 * runtimes match them — a RUNNING processor runs its active deployment, a PAUSED one does not (offsets kept), a new
 * deployment stops the old tasks, seeks the group to its start position (deployment.appliedAt), then runs; deleted
 * processors and tenants stop. It also writes status, instances, samples and logs on their intervals.
 */
import { openSecret, processorSecretAad } from '@samsa/db/secret-box';
import type { Db } from '@samsa/db';
import type { Logger } from 'pino';
import {
  DEFAULT_SANDBOX_LIMITS,
  type Delivery,
  type ErrorPolicy,
  type SandboxLimits,
  type StartPosition,
} from '../types.ts';
import { CpuBudget } from './cpu-budget.ts';
import { GroupBusyError, seekGroup, startPositionSchema } from './deployment-seek.ts';
import { type BrokerAccess, LATEST, partitionOffsets, TenantAccess } from './kafka-access.ts';
import { type ProcessorFailure, ProcessorRuntime, type ProcessorSpec } from './processor-runtime.ts';
import { processorAuthorizationId } from '@samsa/cluster';
import { DlqRedriver } from './dlq-redrive.ts';
import type { SandboxFactory } from './sandbox-port.ts';
import type { HostSettings } from './settings.ts';
import type { SchemaLookup } from '../schemas/schema-lookup.ts';
import { StatusWriter } from './status-writer.ts';

const RESTART_BACKOFF_MAX_MS = 30_000;
/** The ERRORED write itself sets updatedAt a moment after statusAt; a later change is the console's (resume). */
const ERRORED_TOUCH_SLACK_MS = 500;

export interface HostDeps {
  db: Db;
  broker: BrokerAccess;
  secretsKey: Buffer | null;
  hostId: string;
  logger: Logger;
  settings: HostSettings;
  createSandbox: SandboxFactory;
  /** The tenants' schema registry (null: none configured). */
  schemas: SchemaLookup | null;
}

type ProcessorRow = Awaited<ReturnType<ProcessorHost['loadProcessors']>>[number];

const DELIVERY: Record<string, Delivery> = { AT_LEAST_ONCE: 'at-least-once', EXACTLY_ONCE: 'exactly-once' };
const POLICY: Record<string, ErrorPolicy> = { DLQ: 'dlq', SKIP: 'skip', STOP: 'stop' };

/** An error's message with those it aggregates (the Kafka client wraps the broker's refusals). */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const inner = (err as { errors?: unknown[] }).errors;
  if (!Array.isArray(inner) || inner.length === 0) return err.message;
  return `${err.message} (${[...new Set(inner.map((e) => errorText(e)))].join('; ')})`;
}

export class ProcessorHost {
  readonly deps: HostDeps;
  readonly status: StatusWriter;
  readonly #runtimes = new Map<string, { rt: ProcessorRuntime; startedAtMs: number }>();
  readonly #budgets = new Map<string, CpuBudget>();
  /** Crashed runtimes: when they may start again. */
  readonly #restarts = new Map<string, { attempts: number; notBeforeMs: number }>();
  readonly #redriver: DlqRedriver;
  /** Processors stopped by their error policy whose ERRORED status is still being written: not started again. */
  readonly #failing = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  #stopped = false;
  #lastStatusMs = 0;
  #lastSampleMs = 0;

  constructor(deps: HostDeps) {
    this.deps = deps;
    this.status = new StatusWriter(deps.db, deps.logger, deps.hostId, deps.settings.logLines);
    this.#redriver = new DlqRedriver(this);
  }

  start(): void {
    const loop = async () => {
      if (this.#stopped) return;
      this.#ticking = this.tick().catch((err) => this.deps.logger.error({ err }, 'processor host pass failed'));
      await this.#ticking;
      if (!this.#stopped) this.#timer = setTimeout(loop, this.deps.settings.pollMs);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#ticking;
    await this.#redriver.stop();
    await Promise.allSettled([...this.#runtimes.keys()].map((id) => this.#stopRuntime(id)));
    await this.status.flushLogs().catch(() => undefined);
  }

  access(slug: string, name: string): TenantAccess {
    return new TenantAccess(this.deps.broker, slug, processorAuthorizationId(slug, name));
  }

  runtime(processorId: string): ProcessorRuntime | undefined {
    return this.#runtimes.get(processorId)?.rt;
  }

  loadProcessors() {
    return this.deps.db.processor.findMany({
      where: { tenant: { status: 'ACTIVE' }, activeDeploymentId: { not: null } },
      include: { tenant: { include: { quota: true } }, activeDeployment: { include: { version: true } } },
      orderBy: { createdAt: 'asc' },
    });
  }

  async tick(): Promise<void> {
    const processors = await this.loadProcessors();
    const seen = new Set<string>();
    for (const p of processors) {
      seen.add(p.id);
      try {
        await this.#reconcile(p);
      } catch (err) {
        this.deps.logger.warn({ err, processor: p.name, tenant: p.tenant.slug }, 'reconciling a processor failed');
      }
    }
    for (const id of [...this.#runtimes.keys()]) if (!seen.has(id)) await this.#stopRuntime(id);
    await this.#redriver.tick(processors).catch((err) => this.deps.logger.warn({ err }, 'dlq re-drive pass failed'));
    const now = Date.now();
    if (now - this.#lastStatusMs >= this.deps.settings.statusIntervalMs) {
      this.#lastStatusMs = now;
      const sample = now - this.#lastSampleMs >= this.deps.settings.sampleIntervalMs;
      if (sample) this.#lastSampleMs = now;
      await this.#report(sample);
    }
  }

  async #reconcile(p: ProcessorRow): Promise<void> {
    const deployment = p.activeDeployment!;
    const current = this.#runtimes.get(p.id)?.rt;
    if (current) this.#budget(p); // a changed processorCpuMsPerSec applies at once
    const memoryChanged = current !== undefined && current.spec.limits.memoryMb !== this.limitsOf(p).memoryMb;
    if (current && (current.spec.deploymentId !== deployment.id || current.stopping || memoryChanged)) {
      const crashed = current.ended?.error;
      await this.#stopRuntime(p.id);
      if (crashed) {
        const delayMs = this.#scheduleRestart(p.id);
        // Shown on the processor's page: why it is not running (a missing ACL, the broker away...).
        await this.status.setStatus(
          p.id,
          'PENDING',
          `restarting in ${Math.round(delayMs / 1_000)} s after an error: ${errorText(crashed)}`.slice(0, 1_000),
        );
      }
    }
    if (deployment.appliedAt === null) {
      try {
        await this.#apply(p);
      } catch (err) {
        // Shown on the processor's page (a missing ACL, a deleted input topic...); tried again at the next pass.
        await this.status.setStatus(p.id, 'PENDING', `deployment not applied yet: ${errorText(err)}`.slice(0, 1_000));
        this.deps.logger.debug({ err, processor: p.name }, 'deployment not applied');
      }
      return;
    }
    if (p.desiredState === 'PAUSED') {
      if (this.#runtimes.has(p.id)) await this.#stopRuntime(p.id);
      await this.status.setStatus(p.id, 'PAUSED', 'paused; offsets kept');
      return;
    }
    if (this.#failing.has(p.id)) return;
    if (this.#stillStopped(p)) {
      // Stopped by its error policy on another host: its tasks here stop too (the processor stops as a whole).
      if (this.#runtimes.has(p.id)) await this.#stopRuntime(p.id);
      return;
    }
    if (this.#runtimes.has(p.id)) return;
    const restart = this.#restarts.get(p.id);
    if (restart && Date.now() < restart.notBeforeMs) return;
    const tasks = [...this.#runtimes.values()].reduce((n, r) => n + r.rt.assignedPartitions().length, 0);
    if (tasks >= this.deps.settings.maxTasks) {
      await this.status.setStatus(
        p.id,
        'PENDING',
        `waiting for a processor host with room (SAMSA_PROCESSORS_MAX_TASKS ${this.deps.settings.maxTasks} reached here)`,
      );
      return;
    }
    const spec = await this.#spec(p);
    if (!spec) return;
    const rt = new ProcessorRuntime(spec, {
      access: this.access(p.tenant.slug, p.name),
      settings: this.deps.settings,
      logger: this.deps.logger.child({ processor: p.name, tenant: p.tenant.slug }),
      budget: this.#budget(p),
      createSandbox: this.deps.createSandbox,
      schemas: this.deps.schemas,
      hostId: this.deps.hostId,
      events: {
        log: (line) => this.status.addLog(p.id, line),
        failed: (failure) => {
          this.#failing.add(p.id);
          void this.#onFailure(p.id, failure).finally(() => this.#failing.delete(p.id));
        },
      },
    });
    this.#runtimes.set(p.id, { rt, startedAtMs: Date.now() });
    this.deps.logger.debug({ processor: p.name, version: spec.version }, 'starting processor');
    // Joining the group can wait for other members (up to the session timeout): it must not hold up the others.
    void this.#started(rt, p.tenant.slug).catch((err) =>
      this.deps.logger.warn({ err, processor: p.name }, 'processor start not recorded'),
    );
  }

  async #started(rt: ProcessorRuntime, slug: string): Promise<void> {
    const { spec } = rt;
    try {
      await rt.start();
    } catch (err) {
      rt.crash(err as Error);
      return;
    }
    // It may have failed on its first records already (its ERRORED status must not be overwritten); the status
    // writer keeps the order of the writes asked for from here on.
    if (rt.stopping || rt.ended) return;
    this.deps.logger.info({ processor: spec.name, tenant: slug, version: spec.version }, 'processor started');
    await this.status.setStatus(spec.processorId, 'RUNNING', null);
    this.status.addLog(spec.processorId, {
      level: 'info',
      message: `started version ${spec.version} on host ${this.deps.hostId}`,
      atMs: Date.now(),
      version: spec.version,
      partition: null,
      offset: null,
    });
  }

  /**
   * A processor the error policy stopped stays stopped until a new deployment, or until the console changes the
   * processor after the failure was written (resume: its updatedAt moves past statusAt); it then continues at the
   * record that failed.
   */
  #stillStopped(p: ProcessorRow): boolean {
    const lastError = p.lastError as { deploymentId?: string } | null;
    if (p.status !== 'ERRORED' || lastError?.deploymentId !== p.activeDeploymentId) return false;
    const touchedAfterMs = p.statusAt ? p.updatedAt.getTime() - p.statusAt.getTime() : 0;
    return touchedAfterMs < ERRORED_TOUCH_SLACK_MS;
  }

  #budget(p: ProcessorRow): CpuBudget {
    const rate = p.tenant.quota?.processorCpuMsPerSec ?? this.deps.settings.defaultCpuMsPerSec;
    let budget = this.#budgets.get(p.tenantId);
    if (!budget) this.#budgets.set(p.tenantId, (budget = new CpuBudget(rate)));
    else if (budget.msPerSec !== rate) budget.setRate(rate);
    return budget;
  }

  /** The processor's env with its secrets opened; null (and the processor ERRORED) when a secret does not open. */
  async secretEnv(p: ProcessorRow): Promise<Record<string, string> | null> {
    const env: Record<string, string> = {};
    const version = p.activeDeployment!.version;
    for (const [k, v] of Object.entries((version.env ?? {}) as Record<string, unknown>)) env[k] = String(v);
    const secrets = await this.deps.db.processorSecret.findMany({ where: { processorId: p.id } });
    for (const s of secrets) {
      try {
        if (!this.deps.secretsKey) throw new Error('the host has no SAMSA_SECRETS_KEY');
        env[s.name] = openSecret(this.deps.secretsKey, processorSecretAad(p.id, s.name), s.ciphertext);
      } catch (err) {
        const reason = `secret ${s.name} does not open: ${(err as Error).message}`;
        await this.status.setStatus(p.id, 'ERRORED', reason);
        return null;
      }
    }
    return env;
  }

  async #spec(p: ProcessorRow): Promise<ProcessorSpec | null> {
    const d = p.activeDeployment!;
    const v = d.version;
    const env = await this.secretEnv(p);
    if (!env) return null;
    return {
      processorId: p.id,
      tenantId: p.tenantId,
      slug: p.tenant.slug,
      name: p.name,
      deploymentId: d.id,
      version: v.version,
      inputTopic: v.inputTopic,
      outputTopics: v.outputTopics,
      dlqTopic: v.dlqTopic,
      code: v.code,
      delivery: DELIVERY[v.delivery]!,
      errorPolicy: POLICY[v.errorPolicy]!,
      retries: v.retries,
      retryBackoffMs: v.retryBackoffMs,
      env,
      limits: this.limitsOf(p),
    };
  }

  limitsOf(p: ProcessorRow): SandboxLimits {
    return {
      ...DEFAULT_SANDBOX_LIMITS,
      memoryMb: p.tenant.quota?.processorMemoryMb ?? this.deps.settings.defaultMemoryMb,
      cpuMsPerCall: this.deps.settings.cpuMsPerCall,
    };
  }

  /** Seeks the group to the new deployment's start position once no member is left, then marks it applied. */
  async #apply(p: ProcessorRow): Promise<void> {
    const d = p.activeDeployment!;
    const v = d.version;
    const parsed = startPositionSchema.safeParse(d.startFrom);
    const startFrom: StartPosition = parsed.success ? parsed.data : { kind: 'committed' };
    let outcome: string;
    try {
      outcome = await seekGroup(this.access(p.tenant.slug, p.name), `samsa-processor-seek-${this.deps.hostId}`, {
        name: p.name,
        inputTopic: v.inputTopic,
        writtenTopics: [...v.outputTopics, ...(v.dlqTopic ? [v.dlqTopic] : [])],
        startFrom,
      });
    } catch (err) {
      if (err instanceof GroupBusyError) {
        this.deps.logger.debug({ processor: p.name, reason: err.message }, 'deployment waits for the group to empty');
        return;
      }
      throw err;
    }
    const applied = await this.deps.db.processorDeployment.updateMany({
      where: { id: d.id, appliedAt: null },
      data: { appliedAt: new Date() },
    });
    if (applied.count > 0) {
      this.status.addLog(p.id, {
        level: 'info',
        message: `deployed version ${v.version} (${d.action.toLowerCase()}, from ${startFrom.kind}): ${outcome}`,
        atMs: Date.now(),
        version: v.version,
        partition: null,
        offset: null,
      });
      this.deps.logger.info(
        { processor: p.name, tenant: p.tenant.slug, version: v.version, startFrom },
        'deployment applied',
      );
    }
  }

  async #onFailure(processorId: string, failure: ProcessorFailure): Promise<void> {
    try {
      await this.status.setStatus(
        processorId,
        'ERRORED',
        `stopped at ${failure.topic}/${failure.partition}@${failure.offset} (version ${failure.version}): ${failure.message}`.slice(
          0,
          1_000,
        ),
        failure,
      );
      await this.status.flushLogs();
    } catch (err) {
      this.deps.logger.error({ err, processorId }, 'could not write a processor failure');
    }
  }

  /** Records when a crashed processor may start again (doubling, capped); returns the wait. */
  #scheduleRestart(processorId: string): number {
    const prev = this.#restarts.get(processorId);
    const attempts = (prev?.attempts ?? 0) + 1;
    const delayMs = Math.min(RESTART_BACKOFF_MAX_MS, 250 * 2 ** attempts);
    this.#restarts.set(processorId, { attempts, notBeforeMs: Date.now() + delayMs });
    return delayMs;
  }

  async #stopRuntime(processorId: string): Promise<void> {
    const entry = this.#runtimes.get(processorId);
    if (!entry) return;
    this.#runtimes.delete(processorId);
    await entry.rt.stop();
    if (Date.now() - entry.startedAtMs > RESTART_BACKOFF_MAX_MS) this.#restarts.delete(processorId);
    this.status.forget(processorId);
    await this.status.removeInstance(processorId).catch(() => undefined);
  }

  async #lag(rt: ProcessorRuntime): Promise<bigint | null> {
    try {
      const ends = await partitionOffsets(rt.consumer, rt.inputName, LATEST);
      let lag = 0n;
      for (const t of rt.tasks())
        if (!t.retired && t.nextOffset !== null) lag += (ends[t.partition] ?? 0n) - t.nextOffset;
      return lag;
    } catch {
      return null;
    }
  }

  async #report(sample: boolean): Promise<void> {
    const { statusIntervalMs } = this.deps.settings;
    for (const { rt } of this.#runtimes.values()) {
      if (rt.stopping) continue;
      const lag = await this.#lag(rt);
      await this.status.writeInstance(rt, lag);
      if (sample) await this.status.writeSample(rt, lag);
      // It may have failed while the lines above waited: its ERRORED status must not be overwritten.
      if (rt.stopping || rt.ended) continue;
      const budget = rt.deps.budget;
      if (budget.throttledWithin(statusIntervalMs * 2))
        await this.status.setStatus(
          rt.spec.processorId,
          'THROTTLED',
          `over the tenant's CPU budget (${budget.msPerSec} ms/s on this host): held back until under it`,
        );
      else await this.status.setStatus(rt.spec.processorId, 'RUNNING', null);
    }
    await this.status.flushLogs();
    if (sample) await this.status.deleteOldSamples();
  }
}
