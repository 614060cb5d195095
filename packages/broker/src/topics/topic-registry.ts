/**
 * TopicRegistry: the topics this broker holds, their ids, configs and partition logs. Topic metadata is a small JSON
 * file per topic (written atomically); partition data lives in the log under <dataDir>/topics/<name>/<partition>/.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.ts';
import type { FileHandleCache } from '../log/file-handle-cache.ts';
import type { LogDirHealth } from '../log/log-dir-health.ts';
import type { LogCleaner } from '../log/log-cleaner.ts';
import { PartitionLog } from '../log/partition-log.ts';
import { Partition } from './partition.ts';
import {
  configValue,
  InvalidConfigError,
  logConfigFor,
  parseCleanupPolicy,
  topicNameProblem,
  validateTopicConfigs,
} from './topic-config.ts';

export interface Topic {
  readonly name: string;
  readonly id: string;
  configs: Record<string, string>;
  partitions: Partition[];
  readonly createdAtMs: number;
}

interface TopicFile {
  name: string;
  id: string;
  partitionCount: number;
  configs: Record<string, string>;
  createdAtMs: number;
}

export class TopicExistsError extends Error {
  override readonly name = 'TopicExistsError';
}
export class InvalidTopicError extends Error {
  override readonly name = 'InvalidTopicError';
}
export class InvalidPartitionsError extends Error {
  override readonly name = 'InvalidPartitionsError';
}
export class UnknownTopicError extends Error {
  override readonly name = 'UnknownTopicError';
}
export { InvalidConfigError };

export interface TopicRegistryOptions {
  logger: Logger;
  handles: FileHandleCache;
  /** The data directory's health, given to every partition log. */
  health?: LogDirHealth;
  nowMs?: () => number;
}

async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

export class TopicRegistry {
  private readonly byName = new Map<string, Topic>();
  private readonly byId = new Map<string, Topic>();
  private readonly pending = new Map<string, Promise<unknown>>();
  private readonly dir: string;
  private readonly config: BrokerConfig;
  private readonly opts: TopicRegistryOptions;

  private constructor(config: BrokerConfig, opts: TopicRegistryOptions) {
    this.config = config;
    this.opts = opts;
    this.dir = join(config.dataDir, 'topics');
  }

  static async open(config: BrokerConfig, opts: TopicRegistryOptions): Promise<TopicRegistry> {
    const registry = new TopicRegistry(config, opts);
    await mkdir(registry.dir, { recursive: true });
    await rm(join(config.dataDir, 'deleted'), { recursive: true, force: true });
    for (const entry of await readdir(registry.dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const metaPath = join(registry.dir, entry.name, 'topic.json');
      let meta: TopicFile;
      try {
        meta = JSON.parse(await readFile(metaPath, 'utf8'));
      } catch {
        opts.logger.warn({ dir: entry.name }, 'topic directory without readable topic.json; skipped');
        continue;
      }
      const partitions: Partition[] = [];
      for (let p = 0; p < meta.partitionCount; p++) partitions.push(await registry.openPartition(meta, p));
      registry.add({ name: meta.name, id: meta.id, configs: meta.configs, partitions, createdAtMs: meta.createdAtMs });
    }
    opts.logger.info({ topics: registry.byName.size }, 'topics loaded');
    return registry;
  }

  private async openPartition(meta: { name: string; configs: Record<string, string> }, p: number): Promise<Partition> {
    const dir = join(this.dir, meta.name, String(p));
    const log = await PartitionLog.open(dir, logConfigFor(this.config, meta.configs), {
      handles: this.opts.handles,
      nowMs: this.opts.nowMs,
      logger: this.opts.logger,
      health: this.opts.health,
      timestampType: configValue(this.config, meta.configs, 'message.timestamp.type') as 'CreateTime' | 'LogAppendTime',
    });
    return Partition.open(meta.name, p, dir, log);
  }

  private add(topic: Topic): void {
    this.byName.set(topic.name, topic);
    this.byId.set(topic.id, topic);
  }

  get(name: string): Topic | undefined {
    return this.byName.get(name);
  }

  getById(id: string): Topic | undefined {
    return this.byId.get(id);
  }

  list(): Topic[] {
    return [...this.byName.values()];
  }

  /** Runs `fn` after any other change to the same topic name has finished. */
  private serialize<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.pending.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.pending.set(name, tail);
    tail.then(() => {
      if (this.pending.get(name) === tail) this.pending.delete(name);
    });
    return next;
  }

  /** Validates a create request without side effects; throws a typed error naming the problem. */
  validateCreate(name: string, partitionCount: number, configs: Record<string, string>): void {
    const problem = topicNameProblem(name);
    if (problem) throw new InvalidTopicError(problem);
    if (this.byName.has(name)) throw new TopicExistsError(`topic '${name}' already exists`);
    if (!Number.isInteger(partitionCount) || partitionCount < 1) {
      throw new InvalidPartitionsError(`number of partitions must be at least 1, got ${partitionCount}`);
    }
    if (partitionCount > this.config.maxPartitionsPerTopic) {
      throw new InvalidPartitionsError(
        `number of partitions ${partitionCount} exceeds the broker limit of ${this.config.maxPartitionsPerTopic}`,
      );
    }
    validateTopicConfigs(configs, this.config);
  }

  create(name: string, partitionCount: number, configs: Record<string, string> = {}): Promise<Topic> {
    return this.serialize(name, async () => {
      this.validateCreate(name, partitionCount, configs);
      const meta: TopicFile = { name, id: randomUUID(), partitionCount, configs, createdAtMs: Date.now() };
      const topicDir = join(this.dir, name);
      await mkdir(topicDir, { recursive: true });
      const partitions: Partition[] = [];
      for (let p = 0; p < partitionCount; p++) partitions.push(await this.openPartition(meta, p));
      await writeFileAtomic(join(topicDir, 'topic.json'), JSON.stringify(meta));
      const topic: Topic = { name, id: meta.id, configs, partitions, createdAtMs: meta.createdAtMs };
      this.add(topic);
      this.opts.logger.info({ topic: name, partitions: partitionCount }, 'topic created');
      return topic;
    });
  }

  /** Returns the topic, creating it with defaults when auto-creation is on. */
  async getOrAutoCreate(name: string): Promise<Topic | undefined> {
    const existing = this.byName.get(name);
    if (existing || !this.config.autoCreateTopicsEnable) return existing;
    if (topicNameProblem(name)) return undefined;
    try {
      return await this.create(name, this.config.defaultPartitions);
    } catch (err) {
      if (err instanceof TopicExistsError) return this.byName.get(name);
      throw err;
    }
  }

  delete(name: string): Promise<void> {
    return this.serialize(name, async () => {
      const topic = this.byName.get(name);
      if (!topic) throw new UnknownTopicError(`topic '${name}' does not exist`);
      this.byName.delete(name);
      this.byId.delete(topic.id);
      await Promise.all(topic.partitions.map((p) => p.close()));
      const graveyard = join(this.config.dataDir, 'deleted');
      await mkdir(graveyard, { recursive: true });
      const target = join(graveyard, `${name}-${topic.id}`);
      await rename(join(this.dir, name), target);
      this.opts.logger.info({ topic: name }, 'topic deleted');
      void rm(target, { recursive: true, force: true }).catch((err) =>
        this.opts.logger.warn({ err: err.message, target }, 'could not remove deleted topic files'),
      );
    });
  }

  validateAddPartitions(name: string, newTotal: number): Topic {
    const topic = this.byName.get(name);
    if (!topic) throw new UnknownTopicError(`topic '${name}' does not exist`);
    if (!Number.isInteger(newTotal) || newTotal <= topic.partitions.length) {
      throw new InvalidPartitionsError(
        `topic '${name}' has ${topic.partitions.length} partitions; the new count must be larger, got ${newTotal}`,
      );
    }
    if (newTotal > this.config.maxPartitionsPerTopic) {
      throw new InvalidPartitionsError(
        `partition count ${newTotal} exceeds the limit of ${this.config.maxPartitionsPerTopic}`,
      );
    }
    return topic;
  }

  addPartitions(name: string, newTotal: number): Promise<void> {
    return this.serialize(name, async () => {
      const topic = this.validateAddPartitions(name, newTotal);
      const meta = { name, configs: topic.configs };
      const added: Partition[] = [];
      for (let p = topic.partitions.length; p < newTotal; p++) added.push(await this.openPartition(meta, p));
      await this.persist(topic, newTotal);
      topic.partitions = [...topic.partitions, ...added];
    });
  }

  /** Replaces the topic's overrides (validated) and applies them to every partition. */
  setConfigs(name: string, configs: Record<string, string>): Promise<void> {
    return this.serialize(name, async () => {
      const topic = this.byName.get(name);
      if (!topic) throw new UnknownTopicError(`topic '${name}' does not exist`);
      validateTopicConfigs(configs, this.config);
      topic.configs = configs;
      await this.persist(topic, topic.partitions.length);
      const logConfig = logConfigFor(this.config, configs);
      for (const p of topic.partitions) p.log.updateConfig(logConfig);
    });
  }

  private async persist(topic: Topic, partitionCount: number): Promise<void> {
    const meta: TopicFile = {
      name: topic.name,
      id: topic.id,
      partitionCount,
      configs: topic.configs,
      createdAtMs: topic.createdAtMs,
    };
    await writeFileAtomic(join(this.dir, topic.name, 'topic.json'), JSON.stringify(meta));
  }

  /** One retention pass over every partition; never holds a lock across partitions. */
  async runRetention(): Promise<{ deletedSegments: number; deletedBytes: number }> {
    let deletedSegments = 0;
    let deletedBytes = 0;
    for (const topic of this.list()) {
      for (const p of topic.partitions) {
        try {
          const r = await p.log.applyRetention();
          deletedSegments += r.deletedSegments;
          deletedBytes += r.deletedBytes;
        } catch (err) {
          this.opts.logger.warn({ topic: topic.name, err: (err as Error).message }, 'retention pass failed');
        }
      }
    }
    return { deletedSegments, deletedBytes };
  }

  /**
   * One log-cleaner pass: every partition of a compacted topic whose dirty ratio (or max.compaction.lag.ms) makes a
   * clean due is cleaned, one at a time. Returns how many partitions were cleaned.
   */
  async runCleaner(cleaner: LogCleaner, stopping: () => boolean): Promise<number> {
    let cleaned = 0;
    for (const topic of this.list()) {
      if (!parseCleanupPolicy(configValue(this.config, topic.configs, 'cleanup.policy'))?.compact) continue;
      for (const p of topic.partitions) {
        if (stopping()) return cleaned;
        try {
          if ((await cleaner.clean(p.log, p)).cleaned) cleaned += 1;
        } catch (err) {
          this.opts.logger.warn(
            { topic: topic.name, partition: p.index, err: (err as Error).message },
            'log cleaner failed on a partition; it is retried on the next pass',
          );
        }
      }
    }
    return cleaned;
  }

  async close(): Promise<void> {
    for (const topic of this.list()) await Promise.all(topic.partitions.map((p) => p.close()));
  }
}
