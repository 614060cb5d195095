/** KafkaJS for tests outside this package (the CLI's group tests) that do not list kafkajs themselves. */
export { Kafka, logLevel } from 'kafkajs';
