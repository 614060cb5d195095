/** Client properties files for Kafka's Java tools (`--command-config`) signing in over SASL_PLAINTEXT. */
import { writeFile } from 'node:fs/promises';
import { jaasValue } from './kafka.ts';

export interface SaslLogin {
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  username: string;
  password: string;
}

/** The properties that sign a Java client in as `login` over SASL_PLAINTEXT. */
export function saslClientProperties(login: SaslLogin): string {
  const module =
    login.mechanism === 'PLAIN'
      ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
      : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  return [
    'security.protocol=SASL_PLAINTEXT',
    `sasl.mechanism=${login.mechanism}`,
    `sasl.jaas.config=${module} required username="${jaasValue(login.username)}" password="${jaasValue(login.password)}";`,
    '',
  ].join('\n');
}

/** Writes `saslClientProperties(login)` to `file` and returns its path. */
export async function writeSaslClientProperties(file: string, login: SaslLogin): Promise<string> {
  await writeFile(file, saslClientProperties(login));
  return file;
}
