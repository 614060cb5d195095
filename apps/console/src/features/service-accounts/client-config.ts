/** Ready-to-paste client configurations for a new API key (SASL/SCRAM-SHA-512 over the broker's listener). */
export function clientConfigs(bootstrap: string, keyId: string, secret: string) {
  return {
    kafkajs: `import { Kafka } from 'kafkajs';

const kafka = new Kafka({
  clientId: 'my-app',
  brokers: ['${bootstrap}'],
  sasl: { mechanism: 'scram-sha-512', username: '${keyId}', password: '${secret}' },
});`,
    librdkafka: `# kcat -F client.properties, or any librdkafka client
bootstrap.servers=${bootstrap}
security.protocol=SASL_PLAINTEXT
sasl.mechanisms=SCRAM-SHA-512
sasl.username=${keyId}
sasl.password=${secret}`,
    java: `bootstrap.servers=${bootstrap}
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${keyId}" password="${secret}";`,
  };
}

export function advertisedBootstrap(): string {
  return process.env.SAMSA_BROKER_PUBLIC_BOOTSTRAP ?? process.env.SAMSA_BROKER_BOOTSTRAP ?? '127.0.0.1:9092';
}
