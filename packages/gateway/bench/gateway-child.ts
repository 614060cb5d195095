/**
 * One gateway in a process of its own, for the scale-out bench and the gateway's failover tests: its CPU is then the
 * process's CPU, as on a gateway machine, and it can be killed with SIGKILL. Options come as JSON in SAMSA_GATEWAY_CHILD; once listening it prints one JSON line with its
 * bootstrap address and pid, and it closes on SIGTERM.
 */
import { pino } from 'pino';
import { z } from 'zod';
import { startGateway } from '../src/index.ts';

const optionsSchema = z.object({
  bootstrap: z.array(z.string()).min(1),
  sasl: z.object({
    mechanism: z.enum(['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN']),
    username: z.string(),
    password: z.string(),
  }),
  databaseUrl: z.string(),
  secretsKeyBase64: z.string(),
  host: z.string().default('127.0.0.1'),
  /** The bootstrap listener's port; 0: any free one. */
  port: z.number().int().min(0).max(65_535).default(0),
});

const o = optionsSchema.parse(JSON.parse(process.env.SAMSA_GATEWAY_CHILD ?? '{}'));
const gateway = await startGateway({
  cluster: { bootstrap: o.bootstrap, sasl: o.sasl },
  databaseUrl: o.databaseUrl,
  secretsKey: Buffer.from(o.secretsKeyBase64, 'base64'),
  host: o.host,
  port: o.port,
  logger: pino({ level: 'warn' }, pino.destination(2)),
});
process.stdout.write(`${JSON.stringify({ bootstrap: gateway.bootstrap, pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  gateway.close().finally(() => process.exit(0));
});
