/**
 * Test support: the record values a KafkaJS consumer (connected and subscribed) reads until it has `count` of them,
 * then it is disconnected. Past `timeoutMs` it rejects naming how many it read, or (`onTimeout: 'return'`) returns
 * those, for tests that compare what arrived with what was expected.
 */

/** The part of KafkaJS's Consumer this uses (test-support does not depend on KafkaJS). */
export interface ValueConsumer {
  run(config: { eachMessage: (payload: { message: { value: Buffer | null } }) => Promise<void> }): Promise<void>;
  disconnect(): Promise<void>;
}

export async function consumeValues(
  consumer: ValueConsumer,
  count: number,
  timeoutMs: number,
  onTimeout: 'reject' | 'return' = 'reject',
): Promise<string[]> {
  const values: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          onTimeout === 'return'
            ? resolve()
            : reject(new Error(`read ${values.length} of ${count} records in ${timeoutMs} ms`)),
        timeoutMs,
      );
      if (count === 0) resolve();
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value?.toString() ?? '');
            if (values.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}
