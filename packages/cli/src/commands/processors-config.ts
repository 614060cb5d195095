/**
 * The configuration of `samsa processors`, read from its flags and the environment (and the data directory of
 * `samsa start` for what it keeps there): where the broker is, as whom the host signs in, the secrets key.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ClusterConnectionError, clusterConnectionFromEnv } from '@samsa/cluster/connection';
import { SecretBoxError, secretKeyFromEnv } from '@samsa/db/secret-box';
import { readKeptValue, SECRETS_KEY_FILE, SUPERUSER_PASSWORD_FILE } from './data-dir-secrets.ts';

const PROCESSORS_OPTIONS = {
  bootstrap: { type: 'string' },
  'data-dir': { type: 'string' },
  'no-auth': { type: 'boolean' },
} as const;

/** What the host is started with; the password and the key are never logged. */
export interface ProcessorsConfig {
  databaseUrl: string;
  bootstrap: string[];
  superuser: { username: string; password: string; mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' } | null;
  secretsKey: Buffer | null;
  requestTimeoutMs: number;
  /** SAMSA_SCHEMA_REGISTRY_URL, signed in as the superuser (or SAMSA_SCHEMA_REGISTRY_USERNAME/_PASSWORD); null:
   * processors do not decode or encode through a registry. */
  schemaRegistry: { url: string; username: string; password: string } | null;
}

/** Bad flags or environment: every problem, each naming its flag or variable. */
export class ProcessorsConfigError extends Error {
  override readonly name = 'ProcessorsConfigError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.problems = problems;
  }
}

export function processorsConfig(argv: string[], env: NodeJS.ProcessEnv): ProcessorsConfig {
  let values: ReturnType<typeof parseArgs<{ options: typeof PROCESSORS_OPTIONS }>>['values'];
  try {
    values = parseArgs({ args: argv, options: PROCESSORS_OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ProcessorsConfigError([(err as Error).message]);
  }
  const problems: string[] = [];
  const dataDir = resolve(values['data-dir'] ?? env.SAMSA_DATA_DIR ?? './data');
  const noAuth = values['no-auth'] === true;
  const databaseUrl = env.DATABASE_URL ?? '';
  if (databaseUrl === '') {
    problems.push('DATABASE_URL is not set: the processor host reads its processors from the control-plane database');
  }

  const password = noAuth
    ? undefined
    : env.SAMSA_BROKER_SASL_PASSWORD || env.SAMSA_SUPERUSER_PASSWORD || readKeptValue(dataDir, SUPERUSER_PASSWORD_FILE);
  if (!noAuth && !password) {
    problems.push(
      `no superuser password: set SAMSA_SUPERUSER_PASSWORD, or give --data-dir of 'samsa start' (${SUPERUSER_PASSWORD_FILE} is not in ${dataDir}); --no-auth for a broker without auth`,
    );
  }
  let connection: ReturnType<typeof clusterConnectionFromEnv> | null = null;
  try {
    connection = clusterConnectionFromEnv(
      {
        SAMSA_BROKER_BOOTSTRAP: values.bootstrap ?? env.SAMSA_BROKER_BOOTSTRAP,
        SAMSA_BROKER_REQUEST_TIMEOUT_MS: env.SAMSA_BROKER_REQUEST_TIMEOUT_MS,
        ...(noAuth || !password
          ? {}
          : {
              SAMSA_BROKER_SASL_MECHANISM: env.SAMSA_BROKER_SASL_MECHANISM,
              SAMSA_BROKER_SASL_USERNAME: env.SAMSA_BROKER_SASL_USERNAME || env.SAMSA_SUPERUSER_NAME || 'admin',
              SAMSA_BROKER_SASL_PASSWORD: password,
            }),
      },
      'samsa-processors',
    );
  } catch (err) {
    if (!(err instanceof ClusterConnectionError)) throw err;
    const flagged = (v: string) => (v === 'SAMSA_BROKER_BOOTSTRAP' ? '--bootstrap / SAMSA_BROKER_BOOTSTRAP' : v);
    problems.push(...err.problems.map((p) => `${flagged(p.variable)}: ${p.message}`));
  }

  let secretsKey: Buffer | null = null;
  const rawKey = env.SAMSA_SECRETS_KEY || readKeptValue(dataDir, SECRETS_KEY_FILE);
  if (rawKey) {
    try {
      secretsKey = secretKeyFromEnv({ SAMSA_SECRETS_KEY: rawKey });
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      problems.push(env.SAMSA_SECRETS_KEY ? err.message : `${dataDir}/${SECRETS_KEY_FILE}: ${err.message}`);
    }
  }

  let schemaRegistry: ProcessorsConfig['schemaRegistry'] = null;
  const registryUrl = env.SAMSA_SCHEMA_REGISTRY_URL ?? '';
  if (registryUrl !== '') {
    const registryPassword = env.SAMSA_SCHEMA_REGISTRY_PASSWORD || password;
    if (!URL.canParse(registryUrl) || !/^https?:$/.test(new URL(registryUrl).protocol)) {
      problems.push(`SAMSA_SCHEMA_REGISTRY_URL: "${registryUrl}" is not an http(s) URL (e.g. http://127.0.0.1:8081)`);
    } else if (!registryPassword) {
      problems.push(
        'SAMSA_SCHEMA_REGISTRY_URL is set but there is no password to sign in to it with: set SAMSA_SCHEMA_REGISTRY_PASSWORD (or the superuser password)',
      );
    } else {
      schemaRegistry = {
        url: registryUrl,
        username:
          env.SAMSA_SCHEMA_REGISTRY_USERNAME || env.SAMSA_BROKER_SASL_USERNAME || env.SAMSA_SUPERUSER_NAME || 'admin',
        password: registryPassword,
      };
    }
  }

  if (problems.length > 0 || connection === null) throw new ProcessorsConfigError(problems);
  return {
    databaseUrl,
    bootstrap: connection.bootstrapBrokers,
    superuser: connection.sasl ?? null,
    secretsKey,
    requestTimeoutMs: connection.requestTimeoutMs,
    schemaRegistry,
  };
}
