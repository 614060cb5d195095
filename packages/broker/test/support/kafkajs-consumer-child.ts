/**
 * Test support: a KafkaJS group consumer in its own process, so a test can SIGKILL it (a crash without LeaveGroup).
 * argv: bootstrap topic groupId sessionTimeoutMs. Prints one JSON line per event: {event:'assigned'|'message', ...}.
 */
import { Kafka, logLevel } from 'kafkajs';

const [bootstrap, topic, groupId, sessionTimeoutMs] = process.argv.slice(2) as [string, string, string, string];
const kafka = new Kafka({ clientId: 'child', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId,
  sessionTimeout: Number(sessionTimeoutMs),
  heartbeatInterval: 500,
  maxWaitTimeInMs: 200,
});
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  const partitions = (e.payload.memberAssignment[topic] ?? []) as number[];
  process.stdout.write(`${JSON.stringify({ event: 'assigned', partitions })}\n`);
});
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    process.stdout.write(`${JSON.stringify({ event: 'message', partition, value: message.value?.toString() })}\n`);
  },
});
