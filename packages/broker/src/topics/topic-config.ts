/**
 * Topic-level configuration: the keys Samsa honours, their defaults (from the broker config), validation with clear
 * messages, and the view DescribeConfigs returns.
 */
import type { BrokerConfig } from '../config.ts';
import type { LogConfig } from '../log/types.ts';

export type ConfigSource = 'TOPIC' | 'DEFAULT';

interface ConfigKeyDef {
  /** Broker-level default. */
  default: (c: BrokerConfig) => string;
  validate: (v: string) => string | null;
  doc: string;
  sensitive?: false;
  readOnly?: boolean;
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string) => {
    if (!/^-?\d+$/.test(v.trim())) return `must be an integer, got '${v}'`;
    const n = Number(v);
    if (n < min || n > max) return `must be between ${min} and ${max}, got ${n}`;
    return null;
  };
}

export const TOPIC_CONFIG_KEYS: Record<string, ConfigKeyDef> = {
  'cleanup.policy': {
    default: () => 'delete',
    validate: (v) =>
      v === 'delete'
        ? null
        : v.split(',').includes('compact')
          ? "cleanup.policy 'compact' is not supported yet by Samsa; use 'delete'"
          : `must be 'delete', got '${v}'`,
    doc: 'delete: old segments are removed by retention.ms / retention.bytes',
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
    validate: integer(14, 2 ** 31 - 1),
    doc: 'segment size',
  },
  'segment.ms': { default: (c) => String(c.logSegmentMs), validate: integer(1), doc: 'roll segments after this long' },
  'max.message.bytes': {
    default: (c) => String(c.messageMaxBytes),
    validate: integer(0, 2 ** 31 - 1),
    doc: 'largest record batch accepted',
  },
  'message.timestamp.type': {
    default: () => 'CreateTime',
    validate: (v) =>
      v === 'CreateTime' || v === 'LogAppendTime' ? null : `must be CreateTime or LogAppendTime, got '${v}'`,
    doc: 'CreateTime keeps producer timestamps; LogAppendTime stamps the broker time',
  },
  'index.interval.bytes': { default: () => '4096', validate: integer(0), doc: 'bytes between offset index entries' },
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

/** Validates overrides; throws InvalidConfigError naming the key. */
export function validateTopicConfigs(overrides: Record<string, string>): void {
  for (const [key, value] of Object.entries(overrides)) {
    const def = TOPIC_CONFIG_KEYS[key];
    if (!def) throw new InvalidConfigError(`unknown topic config '${key}'`);
    const problem = def.validate(value);
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
  };
}

/** Kafka topic name rules. Returns a problem or null. */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return 'topic name is empty';
  if (name.length > 249) return `topic name is longer than 249 characters (${name.length})`;
  if (name === '.' || name === '..') return `topic name cannot be '${name}'`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `topic name '${name}' has characters outside [a-zA-Z0-9._-]`;
  return null;
}
