/** Topic configs: describe (values, sources, synonyms), incremental and legacy alter, unknown names, invalid values. */
import { AlterConfigs, DescribeConfigs, IncrementalAlterConfigs } from '@samsa/protocol';
import type { RawClient } from '@samsa/test-support/raw-client';
import { createTopics, errName, type Scenario, withRaw } from './target.ts';

const TOPIC_RESOURCE = 2;

/** Topic configs users commonly set (Kafka lists more). */
const COMMON_TOPIC_CONFIGS = [
  'cleanup.policy',
  'compression.type',
  'delete.retention.ms',
  'file.delete.delay.ms',
  'flush.messages',
  'flush.ms',
  'index.interval.bytes',
  'max.compaction.lag.ms',
  'max.message.bytes',
  'message.timestamp.after.max.ms',
  'message.timestamp.before.max.ms',
  'message.timestamp.type',
  'min.cleanable.dirty.ratio',
  'min.compaction.lag.ms',
  'min.insync.replicas',
  'preallocate',
  'retention.bytes',
  'retention.ms',
  'segment.bytes',
  'segment.index.bytes',
  'segment.jitter.ms',
  'segment.ms',
  'unclean.leader.election.enable',
];
/** How long a config change may take to show in a describe (Kafka applies it through its metadata log). */
const SETTLE_TIMEOUT_MS = 10_000;
const SET = 0;
const DELETE = 1;

async function describe(c: RawClient, topic: string, keys: string[] | null) {
  const r = await c.request(DescribeConfigs, 4, {
    resources: [{ resourceType: TOPIC_RESOURCE, resourceName: topic, configurationKeys: keys }],
    includeSynonyms: true,
    includeDocumentation: false,
  });
  const res = (r.results as Record<string, unknown>[])[0]!;
  return {
    errorCode: errName(res.errorCode),
    configs: Object.fromEntries(
      (res.configs as Record<string, unknown>[]).map((x) => [
        x.name,
        {
          value: x.value,
          readOnly: x.readOnly,
          source: x.configSource,
          sensitive: x.isSensitive,
          type: x.configType,
          synonyms: (x.synonyms as Record<string, unknown>[]).map((y) => `${y.name}=${y.value} (source ${y.source})`),
        },
      ]),
    ),
  };
}

async function alter(c: RawClient, topic: string, configs: [string, number, string | null][], validateOnly = false) {
  const r = await c.request(IncrementalAlterConfigs, 1, {
    resources: [
      {
        resourceType: TOPIC_RESOURCE,
        resourceName: topic,
        configs: configs.map(([name, configOperation, value]) => ({ name, configOperation, value })),
      },
    ],
    validateOnly,
  });
  return errName((r.responses as Record<string, unknown>[])[0]!.errorCode);
}

type Described = Awaited<ReturnType<typeof describe>>;

function configValue(d: Described, name: string): unknown {
  return (d.configs[name] as { value?: unknown } | undefined)?.value;
}

/** Reads until `done` holds or SETTLE_TIMEOUT_MS pass; answers the last read either way. */
async function settled(read: () => Promise<Described>, done: (d: Described) => boolean): Promise<Described> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const d = await read();
    if (done(d) || Date.now() > deadline) return d;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const topicConfigs: Scenario = async (t) => {
  const topic = 'diff-configs';
  await createTopics(t, [
    { topic, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
    { topic: 'diff-configs-defaults' },
  ]);
  return withRaw(t, async (c) => {
    const keys = ['retention.ms', 'cleanup.policy', 'max.message.bytes', 'message.timestamp.type', 'segment.bytes'];
    const described = await describe(c, topic, [...keys, 'no.such.config']);
    const unknownTopic = await describe(c, 'diff-no-such-topic', null);
    const altered = {
      setRetention: await alter(c, topic, [['retention.ms', SET, '7200000']]),
      invalidValue: await alter(c, topic, [['retention.ms', SET, 'not-a-number']]),
      unknownName: await alter(c, topic, [['no.such.config', SET, '1']]),
      validateOnlyCompact: await alter(c, topic, [['cleanup.policy', SET, 'compact']], true),
      deleteMaxMessageBytes: await alter(c, topic, [['max.message.bytes', DELETE, null]]),
      unknownTopic: await alter(c, 'diff-no-such-topic', [['retention.ms', SET, '1000']]),
    };
    // Kafka applies an alter through its metadata log after answering: a describe right after it may show the old
    // values on a busy machine. Both brokers are read until the change shows (or 10 s pass: then what shows counts).
    const afterIncremental = await settled(
      () => describe(c, topic, ['retention.ms', 'cleanup.policy']),
      (d) => configValue(d, 'retention.ms') === '7200000',
    );
    // Legacy AlterConfigs replaces every override: retention.ms goes back to its default.
    const legacy = await c.request(AlterConfigs, 2, {
      resources: [
        {
          resourceType: TOPIC_RESOURCE,
          resourceName: topic,
          configs: [{ name: 'max.message.bytes', value: '200000' }],
        },
      ],
      validateOnly: false,
    });
    const afterLegacy = await settled(
      () => describe(c, topic, ['retention.ms', 'max.message.bytes']),
      (d) => configValue(d, 'max.message.bytes') === '200000',
    );
    // Which of the configs a user commonly sets does a full describe list, with what default and source.
    const full = await describe(c, 'diff-configs-defaults', null);
    const everyDefault = Object.fromEntries(
      COMMON_TOPIC_CONFIGS.map((name) => {
        const x = full.configs[name] as { value: unknown; readOnly: unknown; source: unknown } | undefined;
        return [name, x ? `${x.value} (source ${x.source}${x.readOnly ? ', read-only' : ''})` : 'not listed'];
      }),
    );
    return {
      everyDefault,
      described,
      unknownTopic: unknownTopic.errorCode,
      altered,
      afterIncremental,
      legacy: errName((legacy.responses as Record<string, unknown>[])[0]!.errorCode),
      afterLegacy,
    };
  });
};
