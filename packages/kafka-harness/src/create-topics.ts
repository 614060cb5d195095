/**
 * Creating topics on Apache Kafka in a test and waiting until every partition has a leader in Kafka's metadata.
 * kafkajs's `waitForLeaders` gives up when Kafka, busy, still answers UNKNOWN_TOPIC_OR_PARTITION for a moment after
 * the create (it retries only LEADER_NOT_AVAILABLE); this polls until the leaders are there or `timeoutMs` passes.
 */
import type { Admin, ITopicConfig } from 'kafkajs';

export async function createTopicsWithLeaders(admin: Admin, topics: ITopicConfig[], timeoutMs = 60_000): Promise<void> {
  await admin.createTopics({ topics });
  const names = topics.map((t) => t.topic);
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics: names });
      if (described.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      last = 'a partition has no leader yet';
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`topics ${names.join(', ')} have no leaders after ${timeoutMs} ms (${last})`);
}
