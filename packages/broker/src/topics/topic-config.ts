/**
 * Topic-level configuration: the keys Samsa honours, their defaults (from the broker config), validation with clear
 * messages, and the view DescribeConfigs returns. Every numeric key has a floor and a ceiling: Kafka's own where it
 * has one, and the broker's where a tenant could otherwise make it do harm (a segment and an fsync per batch,
 * batches larger than the broker accepts).
 */
import type { BrokerConfig } from '../config.ts';
import type { LogConfig } from '../log/types.ts';

export type ConfigSource = 'TOPIC' | 'DEFAULT';

interface ConfigKeyDef {
  /** Broker-level default. */
  default: (c: BrokerConfig) => string;
  validate: (v: string, c: BrokerConfig) => string | null;
  doc: string;
  sensitive?: false;
  readOnly?: boolean;
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * An integer within [min, max]; the bounds may depend on the broker's settings, and `bound` says where a broker
 * bound comes from, so the message tells the user what to do next.
 */
function integer(
  min: number | ((c: BrokerConfig) => number),
  max: number | ((c: BrokerConfig) => number) = Number.MAX_SAFE_INTEGER,
  bound = '',
) {
  return (v: string, c: BrokerConfig) => {
    const lo = typeof min === 'function' ? min(c) : min;
    const hi = typeof max === 'function' ? max(c) : max;
    const why = bound === '' ? '' : ` (${bound})`;
    if (!/^-?\d+$/.test(v.trim())) return `must be an integer between ${lo} and ${hi}, got '${v}'${why}`;
    const n = Number(v);
    if (n < lo || n > hi) return `must be between ${lo} and ${hi}, got ${n}${why}`;
    return null;
  };
}

const LONG_MAX = 9_223_372_036_854_775_807n;

/** 'delete', 'compact' or both (in either order, as Kafka's list allows); null when the value is none of them. */
export function parseCleanupPolicy(v: string): { compact: boolean; delete: boolean } | null {
  const parts = v.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.length > 2 || new Set(parts).size !== parts.length) return null;
  if (!parts.every((p) => p === 'delete' || p === 'compact')) return null;
  return { compact: parts.includes('compact'), delete: parts.includes('delete') };
}

/** A duration in ms from 0 up to Java's Long.MAX_VALUE, which Kafka users write to mean "no bound". */
function longMs(v: string): string | null {
  if (!/^\d+$/.test(v.trim()) || BigInt(v.trim()) > LONG_MAX) {
    return `must be an integer between 0 and ${LONG_MAX}, got '${v}'`;
  }
  return null;
}

export const TOPIC_CONFIG_KEYS: Record<string, ConfigKeyDef> = {
  'cleanup.policy': {
    default: () => 'delete',
    validate: (v) => (parseCleanupPolicy(v) ? null : `must be 'delete', 'compact' or 'compact,delete', got '${v}'`),
    doc: 'delete: old segments are removed by retention.ms / retention.bytes; compact: the latest record per key is kept',
  },
  'delete.retention.ms': {
    default: () => '86400000',
    validate: longMs,
    doc: 'compacted topics: how long a tombstone stays readable after its first clean',
  },
  'min.compaction.lag.ms': {
    default: () => '0',
    validate: longMs,
    doc: 'compacted topics: a record stays uncompacted at least this long',
  },
  'max.compaction.lag.ms': {
    default: () => String(LONG_MAX),
    validate: (v) => longMs(v) ?? (BigInt(v.trim()) < 1n ? `must be at least 1, got ${v}` : null),
    doc: 'compacted topics: a record is compacted at the latest this long after it was written',
  },
  'min.cleanable.dirty.ratio': {
    default: () => '0.5',
    validate: (v) => {
      const n = Number(v);
      return v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1
        ? `must be a number between 0 and 1, got '${v}'`
        : null;
    },
    doc: 'compacted topics: clean once this share of the log has not been cleaned yet',
  },
  'retention.ms': {
    default: (c) => String(c.logRetentionMs),
    validate: integer(-1),
    doc: 'keep data this long; -1 forever',
  },
  'retention.bytes': {
    default: (c) => String(c.logRetentionBytes),
    validate: integer(-1),
    doc: 'per-partition size cap; -1 unlimited',
  },
  'segment.bytes': {
    default: (c) => String(c.logSegmentBytes),
    // Kafka 4's floor is 1 MiB; the broker flag --topic-min-segment-bytes may lower it (tests) or raise it.
    validate: integer(
      (c) => c.topicMinSegmentBytes,
      INT32_MAX,
      'the floor is the broker setting --topic-min-segment-bytes; ask the operator to change it',
    ),
    doc: 'segment size',
  },
  'segment.ms': {
    default: (c) => String(c.logSegmentMs),
    // Kafka allows 1 ms: a new segment (files, an index, an fsync) per batch. The broker's floor is a minute.
    validate: integer(
      (c) => c.topicMinSegmentMs,
      Number.MAX_SAFE_INTEGER,
      'each roll costs new files and an fsync; the floor is the broker setting --topic-min-segment-ms',
    ),
    doc: 'roll segments after this long',
  },
  'max.message.bytes': {
    default: (c) => String(c.messageMaxBytes),
    // A topic may lower the broker's message.max.bytes, never raise it.
    validate: integer(
      0,
      (c) => c.messageMaxBytes,
      'a topic may lower the broker-wide --message-max-bytes, not raise it; ask the operator to raise that',
    ),
    doc: 'largest record batch accepted',
  },
  'message.timestamp.type': {
    default: () => 'CreateTime',
    validate: (v) =>
      v === 'CreateTime' || v === 'LogAppendTime' ? null : `must be CreateTime or LogAppendTime, got '${v}'`,
    doc: 'CreateTime keeps producer timestamps; LogAppendTime stamps the broker time',
  },
  'message.timestamp.after.max.ms': {
    // Kafka 4's default: a CreateTime record more than an hour ahead of the broker's clock is refused.
    default: () => '3600000',
    validate: longMs,
    doc: 'refuse CreateTime records this far ahead of the broker clock (INVALID_TIMESTAMP)',
  },
  'index.interval.bytes': {
    default: () => '4096',
    validate: integer(0, INT32_MAX),
    doc: 'bytes between offset index entries',
  },
  'min.insync.replicas': { default: () => '1', validate: integer(1, 1), doc: 'single node: always 1', readOnly: true },
  'compression.type': {
    default: () => 'producer',
    validate: (v) => (v === 'producer' ? null : `only 'producer' is supported (batches are stored as sent)`),
    doc: 'batches are stored as the producer compressed them',
  },
};

export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError';
}

/** Validates overrides against the broker's bounds; throws InvalidConfigError naming the key, value and range. */
export function validateTopicConfigs(overrides: Record<string, string>, broker: BrokerConfig): void {
  for (const [key, value] of Object.entries(overrides)) {
    const def = TOPIC_CONFIG_KEYS[key];
    if (!def) {
      throw new InvalidConfigError(
        `unknown topic config '${key}' (Samsa honours: ${Object.keys(TOPIC_CONFIG_KEYS).join(', ')})`,
      );
    }
    const problem = def.validate(value, broker);
    if (problem) throw new InvalidConfigError(`invalid value for ${key}: ${problem}`);
  }
}

export function effectiveConfig(
  broker: BrokerConfig,
  overrides: Record<string, string>,
): { name: string; value: string; source: ConfigSource; readOnly: boolean; doc: string }[] {
  return Object.entries(TOPIC_CONFIG_KEYS).map(([name, def]) => ({
    name,
    value: overrides[name] ?? def.default(broker),
    source: overrides[name] !== undefined ? 'TOPIC' : 'DEFAULT',
    readOnly: def.readOnly ?? false,
    doc: def.doc,
  }));
}

export function configValue(broker: BrokerConfig, overrides: Record<string, string>, key: string): string {
  return overrides[key] ?? TOPIC_CONFIG_KEYS[key]!.default(broker);
}

export function logConfigFor(broker: BrokerConfig, overrides: Record<string, string>): LogConfig {
  const num = (k: string) => Number(configValue(broker, overrides, k));
  return {
    segmentBytes: num('segment.bytes'),
    segmentMs: num('segment.ms'),
    retentionMs: num('retention.ms'),
    retentionBytes: num('retention.bytes'),
    indexIntervalBytes: num('index.interval.bytes'),
    cleanupPolicy: parseCleanupPolicy(configValue(broker, overrides, 'cleanup.policy')) ?? {
      compact: false,
      delete: true,
    },
    deleteRetentionMs: num('delete.retention.ms'),
    minCompactionLagMs: num('min.compaction.lag.ms'),
    maxCompactionLagMs: num('max.compaction.lag.ms'),
    minCleanableDirtyRatio: num('min.cleanable.dirty.ratio'),
  };
}

/** Kafka's longest topic name. */
export const TOPIC_NAME_MAX_CHARS = 249;

/** Kafka topic name rules. Returns a problem or null. */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return 'topic name is empty';
  if (name.length > TOPIC_NAME_MAX_CHARS) {
    return `topic name is longer than ${TOPIC_NAME_MAX_CHARS} characters (${name.length})`;
  }
  if (name === '.' || name === '..') return `topic name cannot be '${name}'`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `topic name '${name}' has characters outside [a-zA-Z0-9._-]`;
  return null;
}

/**
 * The problem with a name a client gave, checked as the client wrote it (so '' is not the valid internal
 * `<slug>.`) and as stored under its namespace `prefix` (so the stored name keeps within Kafka's length).
 */
export function clientTopicNameProblem(name: string, prefix: string | null): string | null {
  const problem = topicNameProblem(name);
  if (problem || prefix === null) return problem;
  if (prefix.length + name.length > TOPIC_NAME_MAX_CHARS) {
    return `topic name is longer than the ${TOPIC_NAME_MAX_CHARS - prefix.length} characters a name in this tenant may have (${name.length})`;
  }
  return topicNameProblem(prefix + name);
}
