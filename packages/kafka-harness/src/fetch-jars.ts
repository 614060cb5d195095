/** `pnpm --filter @samsa/kafka-harness fetch-jars`: fetch Kafka's jars now (CI does this before the tests). */
import { KAFKA_VERSION, kafkaClasspath, kafkaSkipReason } from './jars.ts';

const reason = kafkaSkipReason();
if (reason) {
  console.error(`kafka-harness: ${reason}`);
  process.exit(1);
}
const classpath = await kafkaClasspath();
console.log(`kafka-harness: Apache Kafka ${KAFKA_VERSION} jars ready: ${classpath}`);
