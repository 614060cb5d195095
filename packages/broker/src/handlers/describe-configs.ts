/** DescribeConfigs: topic configs (overrides and defaults) and the broker's static configuration. */
import { type DescribeConfigs, ErrorCode, type ResponseOf } from '@samsa/protocol';
import type { BrokerConfig } from '../config.ts';
import type { Handler } from '../request-context.ts';
import { type ConfigSource, effectiveConfig, TOPIC_CONFIG_KEYS } from '../topics/topic-config.ts';

export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;
const SOURCE = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
const CONFIG_TYPE = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

const TOPIC_CONFIG_TYPES: Record<string, number> = {
  'cleanup.policy': CONFIG_TYPE.LIST,
  'retention.ms': CONFIG_TYPE.LONG,
  'delete.retention.ms': CONFIG_TYPE.LONG,
  'min.compaction.lag.ms': CONFIG_TYPE.LONG,
  'max.compaction.lag.ms': CONFIG_TYPE.LONG,
  'min.cleanable.dirty.ratio': CONFIG_TYPE.DOUBLE,
  'retention.bytes': CONFIG_TYPE.LONG,
  'segment.bytes': CONFIG_TYPE.INT,
  'segment.ms': CONFIG_TYPE.LONG,
  'max.message.bytes': CONFIG_TYPE.INT,
  'message.timestamp.type': CONFIG_TYPE.STRING,
  'message.timestamp.after.max.ms': CONFIG_TYPE.LONG,
  'index.interval.bytes': CONFIG_TYPE.INT,
  'min.insync.replicas': CONFIG_TYPE.INT,
  'compression.type': CONFIG_TYPE.STRING,
};

/**
 * The broker-wide setting each topic config falls back to, listed as its DEFAULT_CONFIG synonym the way Kafka lists
 * it. retention.ms and segment.ms have none: Kafka's defaults for them come from log.retention.hours and
 * log.roll.hours, which it does not list.
 */
const BROKER_SYNONYMS: Record<string, string> = {
  'cleanup.policy': 'log.cleanup.policy',
  'delete.retention.ms': 'log.cleaner.delete.retention.ms',
  'min.compaction.lag.ms': 'log.cleaner.min.compaction.lag.ms',
  'max.compaction.lag.ms': 'log.cleaner.max.compaction.lag.ms',
  'min.cleanable.dirty.ratio': 'log.cleaner.min.cleanable.ratio',
  'retention.bytes': 'log.retention.bytes',
  'segment.bytes': 'log.segment.bytes',
  'max.message.bytes': 'message.max.bytes',
  'message.timestamp.type': 'log.message.timestamp.type',
  'message.timestamp.after.max.ms': 'log.message.timestamp.after.max.ms',
  'index.interval.bytes': 'log.index.interval.bytes',
  'min.insync.replicas': 'min.insync.replicas',
  'compression.type': 'compression.type',
};

/** Kafka's synonyms of a topic config, most specific first: the topic's override, then the broker default. */
function topicConfigSynonyms(config: BrokerConfig, name: string, value: string, source: ConfigSource) {
  const synonyms: { name: string; value: string; source: number }[] =
    source === 'TOPIC' ? [{ name, value, source: SOURCE.DYNAMIC_TOPIC_CONFIG }] : [];
  const brokerName = BROKER_SYNONYMS[name];
  const def = TOPIC_CONFIG_KEYS[name];
  if (brokerName && def) synonyms.push({ name: brokerName, value: def.default(config), source: SOURCE.DEFAULT_CONFIG });
  return synonyms;
}

export function describeConfigSource(source: ConfigSource): number {
  return source === 'TOPIC' ? SOURCE.DYNAMIC_TOPIC_CONFIG : SOURCE.DEFAULT_CONFIG;
}

function brokerConfigs(c: BrokerConfig): { name: string; value: string; type: number; doc: string }[] {
  return [
    { name: 'broker.id', value: String(c.nodeId), type: CONFIG_TYPE.INT, doc: 'this broker id' },
    { name: 'message.max.bytes', value: String(c.messageMaxBytes), type: CONFIG_TYPE.INT, doc: 'largest batch' },
    {
      name: 'socket.request.max.bytes',
      value: String(c.maxRequestBytes),
      type: CONFIG_TYPE.INT,
      doc: 'largest request',
    },
    { name: 'auto.create.topics.enable', value: String(c.autoCreateTopicsEnable), type: CONFIG_TYPE.BOOLEAN, doc: '' },
    {
      name: 'num.partitions',
      value: String(c.defaultPartitions),
      type: CONFIG_TYPE.INT,
      doc: 'auto-created partitions',
    },
    { name: 'default.replication.factor', value: '1', type: CONFIG_TYPE.INT, doc: 'single node' },
    { name: 'log.retention.ms', value: String(c.logRetentionMs), type: CONFIG_TYPE.LONG, doc: '' },
    { name: 'log.retention.bytes', value: String(c.logRetentionBytes), type: CONFIG_TYPE.LONG, doc: '' },
    { name: 'log.segment.bytes', value: String(c.logSegmentBytes), type: CONFIG_TYPE.INT, doc: '' },
    { name: 'log.roll.ms', value: String(c.logSegmentMs), type: CONFIG_TYPE.LONG, doc: '' },
    { name: 'max.connections', value: String(c.maxConnections), type: CONFIG_TYPE.INT, doc: '' },
    { name: 'fetch.max.bytes', value: String(c.fetchMaxBytes), type: CONFIG_TYPE.INT, doc: '' },
    { name: 'group.max.size', value: String(c.groupMaxSize), type: CONFIG_TYPE.INT, doc: 'members per group' },
    {
      name: 'offset.metadata.max.bytes',
      value: String(c.offsetMetadataMaxBytes),
      type: CONFIG_TYPE.INT,
      doc: 'metadata of one committed offset',
    },
  ];
}

type DescribeConfigsResult = ResponseOf<typeof DescribeConfigs>['results'][number];

export const handleDescribeConfigs: Handler<typeof DescribeConfigs> = (
  ctx,
  req,
): ResponseOf<typeof DescribeConfigs> => {
  const { state } = ctx;
  const results = req.resources.map((r): DescribeConfigsResult => {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    const wanted = (name: string) => r.configurationKeys === null || r.configurationKeys.includes(name);
    if (r.resourceType === ResourceType.TOPIC) {
      if (!ctx.access.canTopic('DESCRIBE_CONFIGS', r.resourceName)) {
        return {
          ...base,
          errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          errorMessage: `not authorized to describe the configs of topic '${r.resourceName}'`,
          configs: [],
        };
      }
      const topic = state.topics.get(ctx.access.toInternal(r.resourceName));
      if (!topic) {
        return {
          ...base,
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: `topic '${r.resourceName}' does not exist`,
          configs: [],
        };
      }
      const configs = effectiveConfig(state.config, topic.configs)
        .filter((c) => wanted(c.name))
        .map((c): DescribeConfigsResult['configs'][number] => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          isDefault: c.source === 'DEFAULT',
          configSource: describeConfigSource(c.source),
          isSensitive: false,
          synonyms: req.includeSynonyms ? topicConfigSynonyms(state.config, c.name, c.value, c.source) : [],
          configType: TOPIC_CONFIG_TYPES[c.name] ?? CONFIG_TYPE.STRING,
          documentation: req.includeDocumentation ? c.doc : null,
        }));
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
    }
    if (r.resourceType === ResourceType.BROKER) {
      if (!ctx.access.canCluster('DESCRIBE_CONFIGS')) {
        return {
          ...base,
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          errorMessage: 'not authorized',
          configs: [],
        };
      }
      if (r.resourceName !== '' && r.resourceName !== String(state.config.nodeId)) {
        return {
          ...base,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `no broker ${r.resourceName}`,
          configs: [],
        };
      }
      const configs = brokerConfigs(state.config)
        .filter((c) => wanted(c.name))
        .map((c): DescribeConfigsResult['configs'][number] => ({
          name: c.name,
          value: c.value,
          readOnly: true,
          isDefault: false,
          configSource: SOURCE.STATIC_BROKER_CONFIG,
          isSensitive: false,
          synonyms: req.includeSynonyms ? [{ name: c.name, value: c.value, source: SOURCE.STATIC_BROKER_CONFIG }] : [],
          configType: c.type,
          documentation: req.includeDocumentation ? c.doc : null,
        }));
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
    }
    return {
      ...base,
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `resource type ${r.resourceType} is not supported`,
      configs: [],
    };
  });
  return { throttleTimeMs: 0, results };
};
