/**
 * Test support for the processor host: a real broker process with tenants in a real Postgres, a tenant with
 * topics and an API key (its KafkaJS clients are the "user's" producer and consumer), and the control-plane rows
 * of a processor (version, deployment, ACLs of its principal) written directly, as the console would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processorAclPrincipal } from '@samsa/cluster/namespace';
import { createDb, type Db } from '@samsa/db';
import { processorSecretAad, sealSecret } from '@samsa/db/secret-box';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { type BrokerProcess, makeDataDir, startBroker } from '@samsa/test-support/broker-process';
import { eventually } from '@samsa/test-support/eventually';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { type Consumer, Kafka, type KafkaMessage, logLevel, type Producer } from 'kafkajs';
import { pino } from 'pino';
import { compileProcessor } from '../src/sandbox/index.ts';
import { type RunningProcessorHost, startProcessorHost } from '../src/host/index.ts';
import type { StartPosition } from '../src/types.ts';

export const SUPERUSER = {
  username: 'admin',
  password: 'processor-host-test-password',
  mechanism: 'SCRAM-SHA-512' as const,
};

/** Fast intervals so tests see changes quickly; a short session so a killed host's partitions move soon. */
export const TEST_HOST_SETTINGS = {
  pollMs: 200,
  statusIntervalMs: 500,
  sampleIntervalMs: 1_000,
  sessionTimeoutMs: 6_000,
  maxRetryBackoffMs: 200,
};

export interface Hub {
  db: TestDatabase;
  prisma: Db;
  fx: TenantFixtures;
  broker: BrokerProcess;
  /** SIGKILL the broker and start it again on the same port and data. */
  killAndRestartBroker(): Promise<void>;
  close(): Promise<void>;
}

export async function startHub(): Promise<Hub> {
  const db = await createTestDatabase();
  const fx = new TenantFixtures(db.url);
  const dataDir = await makeDataDir();
  const args = ['--database-url', db.url, '--group-initial-rebalance-delay-ms', '0'];
  const env = { SAMSA_SUPERUSER_PASSWORD: SUPERUSER.password };
  const prisma = createDb(db.url, { poolMax: 3 });
  const hub: Hub = {
    db,
    prisma,
    fx,
    broker: await startBroker({ dataDir, args, env }),
    async killAndRestartBroker() {
      const port = hub.broker.port;
      await hub.broker.kill9();
      hub.broker = await startBroker({ dataDir, args: [...args, '--listen', `127.0.0.1:${port}`], env });
    },
    async close() {
      if (process.env.HOST_TEST_BROKER_LOG) for (const l of hub.broker.logs) process.stderr.write(`BROKER ${l}\n`);
      await hub.broker.cleanup();
      await rm(dataDir, { recursive: true, force: true });
      await prisma.$disconnect();
      await fx.close();
      await db.drop();
    },
  };
  return hub;
}

export interface HostProcess {
  proc: ChildProcess;
  kill9(): Promise<void>;
}

/** A processor host in its own process (test/fixtures/run-host.ts), started and ready. */
/** What writing a processor's rows needs of the hub: its database (a gateway's hub has no broker). */
export type ControlPlane = Pick<Hub, 'prisma' | 'fx'>;

export async function hostProcess(hub: Hub, hostId: string): Promise<HostProcess> {
  const proc = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'fixtures/run-host.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      HOST_TEST_DATABASE_URL: hub.db.url,
      HOST_TEST_BOOTSTRAP: hub.broker.bootstrap,
      HOST_TEST_ID: hostId,
    },
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('host ready')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`host process exited with ${code} before it was ready`)));
  });
  return {
    proc,
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

export function hostFor(
  hub: Hub,
  opts: { hostId?: string; secretsKey?: Buffer; schemaRegistryUrl?: string } = {},
): Promise<RunningProcessorHost> {
  return startProcessorHost({
    databaseUrl: hub.db.url,
    bootstrap: [hub.broker.bootstrap],
    superuser: SUPERUSER,
    secretsKey: opts.secretsKey ?? null,
    // As samsa start runs it: the registry knows the same superuser.
    schemaRegistry: opts.schemaRegistryUrl
      ? { url: opts.schemaRegistryUrl, username: SUPERUSER.username, password: SUPERUSER.password }
      : null,
    hostId: opts.hostId,
    logger: pino({ level: process.env.HOST_TEST_LOG ?? 'silent' }),
    settings: TEST_HOST_SETTINGS,
  });
}

export interface TestTenant {
  id: string;
  slug: string;
  key: TestKey;
  kafka: Kafka;
}

/** A tenant with an admin API key and topics `{ name: partitions }`. */
export async function tenantWithTopics(
  hub: Hub,
  slug: string,
  topics: Record<string, number>,
  quota: Record<string, number> = {},
): Promise<TestTenant> {
  const id = await hub.fx.tenant(slug, quota);
  const key = await hub.fx.key(id, `${slug}-admin`);
  await hub.fx.admin(id, `${slug}-admin`);
  const kafka = new Kafka({
    clientId: `${slug}-test`,
    brokers: [hub.broker.bootstrap],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'scram-sha-512', username: key.keyId, password: key.secret },
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
  const admin = kafka.admin();
  // The broker reads new tenants and keys from the database on its own schedule: sign in once it knows them.
  await eventually(
    () =>
      admin.connect().then(
        () => true,
        () => false,
      ),
    `the broker to know tenant ${slug}'s key`,
  );
  await admin.createTopics({
    topics: Object.entries(topics).map(([topic, numPartitions]) => ({ topic, numPartitions })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  return { id, slug, key, kafka };
}

export interface ProcessorDef {
  name: string;
  input: string;
  outputs: string[];
  source: string;
  delivery?: 'AT_LEAST_ONCE' | 'EXACTLY_ONCE';
  errorPolicy?: 'DLQ' | 'SKIP' | 'STOP';
  retries?: number;
  retryBackoffMs?: number;
  dlqTopic?: string | null;
  env?: Record<string, string>;
  /** Sealed with `secretsKey` (as the console does) before the first deployment. */
  secrets?: Record<string, string>;
  secretsKey?: Buffer;
  from?: StartPosition;
  /** Leave out the ACLs the console writes (to see what the host reports without them). */
  withoutAcls?: boolean;
}

/** Grants the processor's principal what the console grants it (READ input; READ+WRITE outputs and DLQ; groups). */
export async function grantProcessor(
  hub: ControlPlane,
  tenant: Pick<TestTenant, 'id'>,
  def: ProcessorDef,
): Promise<void> {
  const principal = processorAclPrincipal(def.name);
  await hub.fx.acl(tenant.id, principal, 'TOPIC', def.input, 'READ');
  for (const t of [...def.outputs, ...(def.dlqTopic ? [def.dlqTopic] : [])]) {
    await hub.fx.acl(tenant.id, principal, 'TOPIC', t, 'READ');
    await hub.fx.acl(tenant.id, principal, 'TOPIC', t, 'WRITE');
  }
  await hub.fx.acl(tenant.id, principal, 'GROUP', `samsa-processor.${def.name}`, 'READ', { patternType: 'PREFIXED' });
}

/** Creates the processor with version 1 deployed (what POST /processors writes); returns its id. */
export async function createProcessor(
  hub: ControlPlane,
  tenant: Pick<TestTenant, 'id'>,
  def: ProcessorDef,
): Promise<string> {
  if (!def.withoutAcls) await grantProcessor(hub, tenant, def);
  const processor = await hub.prisma.processor.create({ data: { tenantId: tenant.id, name: def.name } });
  for (const [name, value] of Object.entries(def.secrets ?? {}))
    await hub.prisma.processorSecret.create({
      data: {
        processorId: processor.id,
        name,
        ciphertext: sealSecret(def.secretsKey!, processorSecretAad(processor.id, name), value),
      },
    });
  await addVersion(hub, processor.id, def, 'CREATE', def.from ?? { kind: 'earliest' });
  return processor.id;
}

/** A new version and a deployment of it (PUT /processors/{name}); returns the version number. */
export async function addVersion(
  hub: ControlPlane,
  processorId: string,
  def: ProcessorDef,
  action: 'CREATE' | 'UPDATE' = 'UPDATE',
  from: StartPosition = { kind: 'committed' },
): Promise<number> {
  const last = await hub.prisma.processorVersion.findFirst({ where: { processorId }, orderBy: { version: 'desc' } });
  const version = (last?.version ?? 0) + 1;
  const v = await hub.prisma.processorVersion.create({
    data: {
      processorId,
      version,
      inputTopic: def.input,
      outputTopics: def.outputs,
      dlqTopic: def.dlqTopic ?? null,
      language: 'JAVASCRIPT',
      source: def.source,
      code: compileProcessor(def.source, 'javascript').code,
      delivery: def.delivery ?? 'AT_LEAST_ONCE',
      errorPolicy: def.errorPolicy ?? 'DLQ',
      retries: def.retries ?? 0,
      retryBackoffMs: def.retryBackoffMs ?? 10,
      env: def.env ?? {},
      createdByEmail: 'test@example.com',
    },
  });
  await deploy(hub, processorId, v.version, from, action);
  return version;
}

/** Makes a deployment of an existing version active (rollback / redeploy). */
export async function deploy(
  hub: ControlPlane,
  processorId: string,
  version: number,
  from: StartPosition,
  action: 'CREATE' | 'UPDATE' | 'ROLLBACK' | 'REDEPLOY' = 'REDEPLOY',
): Promise<string> {
  const v = await hub.prisma.processorVersion.findUniqueOrThrow({
    where: { processorId_version: { processorId, version } },
  });
  const id = randomUUID();
  await hub.prisma.$transaction([
    hub.prisma.processorDeployment.create({
      data: { id, processorId, versionId: v.id, action, startFrom: from as object, byEmail: 'test@example.com' },
    }),
    hub.prisma.processor.update({ where: { id: processorId }, data: { activeDeploymentId: id, status: 'PENDING' } }),
  ]);
  return id;
}

export async function produce(
  tenant: TestTenant,
  topic: string,
  messages: Array<{
    key?: string | Buffer;
    value: string | Buffer;
    partition?: number;
    headers?: Record<string, string>;
  }>,
): Promise<void> {
  const producer: Producer = tenant.kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** A consumer of `topics` from the beginning that collects every message it sees. */
export async function collect(
  tenant: TestTenant,
  topics: string[],
): Promise<{ messages: Array<KafkaMessage & { topic: string; partition: number }>; stop(): Promise<void> }> {
  const consumer: Consumer = tenant.kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
  const messages: Array<KafkaMessage & { topic: string; partition: number }> = [];
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => void messages.push({ ...message, topic, partition }),
  });
  return { messages, stop: () => consumer.disconnect() };
}

export function header(m: KafkaMessage, name: string): string | undefined {
  const v = m.headers?.[name];
  return v === undefined ? undefined : Array.isArray(v) ? String(v.at(-1)) : String(v);
}
