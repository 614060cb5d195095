/**
 * Test support: gives a compacted topic work for the log cleaner, through a KafkaJS client (typed by the calls used,
 * so this package needs no Kafka client): small segments and a low min.cleanable.dirty.ratio (the broker must allow
 * segment.bytes 2048: --topic-min-segment-bytes), then `rounds` overwrites of `keys` keys, so sealed segments hold
 * records the cleaner removes.
 */
interface KafkaLike {
  admin(): {
    connect(): Promise<void>;
    disconnect(): Promise<void>;
    alterConfigs(request: {
      validateOnly: boolean;
      resources: { type: number; name: string; configEntries: { name: string; value: string }[] }[];
    }): Promise<unknown>;
  };
  producer(): {
    connect(): Promise<void>;
    disconnect(): Promise<void>;
    send(request: { topic: string; messages: { key: string; value: string }[] }): Promise<unknown>;
  };
}

export async function overwriteKeysOfCompactedTopic(
  kafka: KafkaLike,
  topic: string,
  policy: 'compact' | 'compact,delete',
  opts: { keys?: number; rounds?: number } = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: 2,
          name: topic,
          // AlterConfigs replaces the topic's whole config set: the policy is named again.
          configEntries: [
            { name: 'cleanup.policy', value: policy },
            { name: 'segment.bytes', value: '2048' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
          ],
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let round = 0; round < (opts.rounds ?? 30); round++)
      await producer.send({
        topic,
        messages: Array.from({ length: opts.keys ?? 5 }, (_, k) => ({
          key: `k${k}`,
          value: `v${round}-${'x'.repeat(60)}`,
        })),
      });
  } finally {
    await producer.disconnect();
  }
}
