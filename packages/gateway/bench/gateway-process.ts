/**
 * One gateway in a process of its own, for the scale-out bench: its CPU is then the process's CPU, as it would be on
 * a gateway machine. Options come as JSON in SAMSA_BENCH_GATEWAY; once listening it prints one JSON line with its
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
});

const o = optionsSchema.parse(JSON.parse(process.env.SAMSA_BENCH_GATEWAY ?? '{}'));
const gateway = await startGateway({
  cluster: { bootstrap: o.bootstrap, sasl: o.sasl },
  databaseUrl: o.databaseUrl,
  secretsKey: Buffer.from(o.secretsKeyBase64, 'base64'),
  host: o.host,
  port: 0,
  logger: pino({ level: 'warn' }, pino.destination(2)),
});
process.stdout.write(`${JSON.stringify({ bootstrap: gateway.bootstrap, pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  gateway.close().finally(() => process.exit(0));
});
