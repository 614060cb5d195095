/**
 * The superuser connection: how the control plane (console, lag collector, CLI direct mode) reaches the broker, read
 * one way from the environment with zod. Every Kafka client of this package is built from one `ClusterConnection`.
 */
import type { SASLOptions } from '@platformatic/kafka';
import { z } from 'zod';

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** Where the control plane's Kafka clients connect and as whom. */
export interface ClusterConnection {
  bootstrapBrokers: string[];
  /** The platform superuser's credentials; absent for a broker without auth. */
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** Client id the broker logs and meters the connection under. */
  clientId: string;
  /** Deadline for one Kafka request. */
  requestTimeoutMs: number;
}

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

const bootstrapSchema = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b !== ''),
  )
  .pipe(
    z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected HOST:PORT for each broker'))
      .min(1, 'name at least one broker as HOST:PORT[,HOST:PORT]'),
  );

/** The environment variables of the superuser connection; all optional. */
export const ClusterConnectionEnvSchema = z
  .object({
    /** Brokers as HOST:PORT[,HOST:PORT]. */
    SAMSA_BROKER_BOOTSTRAP: bootstrapSchema.default([DEFAULT_BOOTSTRAP]),
    /** Defaults to SCRAM-SHA-512 when a username is set (what `samsa start` configures). */
    SAMSA_BROKER_SASL_MECHANISM: z.enum(SASL_MECHANISMS).optional(),
    SAMSA_BROKER_SASL_USERNAME: z.string().min(1).optional(),
    SAMSA_BROKER_SASL_PASSWORD: z.string().min(1).optional(),
    SAMSA_BROKER_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(DEFAULT_REQUEST_TIMEOUT_MS),
  })
  .superRefine((e, ctx) => {
    if (e.SAMSA_BROKER_SASL_USERNAME !== undefined && e.SAMSA_BROKER_SASL_PASSWORD === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['SAMSA_BROKER_SASL_PASSWORD'],
        message: 'SAMSA_BROKER_SASL_USERNAME is set: set SAMSA_BROKER_SASL_PASSWORD too (the superuser password)',
      });
    if (e.SAMSA_BROKER_SASL_MECHANISM !== undefined && e.SAMSA_BROKER_SASL_USERNAME === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['SAMSA_BROKER_SASL_USERNAME'],
        message: 'a SASL mechanism is set: set SAMSA_BROKER_SASL_USERNAME and SAMSA_BROKER_SASL_PASSWORD too',
      });
    else if (e.SAMSA_BROKER_SASL_PASSWORD !== undefined && e.SAMSA_BROKER_SASL_USERNAME === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['SAMSA_BROKER_SASL_USERNAME'],
        message: 'SAMSA_BROKER_SASL_PASSWORD is set: set SAMSA_BROKER_SASL_USERNAME too (the superuser name)',
      });
  });

/** Invalid superuser connection settings: each problem names its variable and what to set. */
export class ClusterConnectionError extends Error {
  override readonly name = 'ClusterConnectionError';
  readonly problems: { variable: string; message: string }[];
  constructor(problems: { variable: string; message: string }[]) {
    super(`Invalid broker connection settings: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
    this.problems = problems;
  }
}

/** Empty variables count as unset (a shell's `VAR=` or a compose file's blank value). */
function present(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
}

/**
 * Reads the superuser connection from `env`; throws a ClusterConnectionError naming every bad variable (never its
 * value, so the password is not echoed).
 */
export function clusterConnectionFromEnv(env: Record<string, string | undefined>, clientId: string): ClusterConnection {
  const parsed = ClusterConnectionEnvSchema.safeParse(present(env));
  if (!parsed.success)
    throw new ClusterConnectionError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? 'environment'), message: i.message })),
    );
  const e = parsed.data;
  const username = e.SAMSA_BROKER_SASL_USERNAME;
  const password = e.SAMSA_BROKER_SASL_PASSWORD;
  return {
    bootstrapBrokers: e.SAMSA_BROKER_BOOTSTRAP,
    sasl:
      username !== undefined && password !== undefined
        ? { mechanism: e.SAMSA_BROKER_SASL_MECHANISM ?? 'SCRAM-SHA-512', username, password }
        : undefined,
    clientId,
    requestTimeoutMs: e.SAMSA_BROKER_REQUEST_TIMEOUT_MS,
  };
}

/** The connection as it may be logged: the password is left out. */
export function describeConnection(c: ClusterConnection): Record<string, unknown> {
  return {
    bootstrapBrokers: c.bootstrapBrokers,
    saslMechanism: c.sasl?.mechanism ?? null,
    saslUsername: c.sasl?.username ?? null,
    clientId: c.clientId,
    requestTimeoutMs: c.requestTimeoutMs,
  };
}

/** The client library's SASL options for a connection. */
export function saslOptions(c: ClusterConnection): SASLOptions | undefined {
  return c.sasl ? { mechanism: c.sasl.mechanism, username: c.sasl.username, password: c.sasl.password } : undefined;
}
