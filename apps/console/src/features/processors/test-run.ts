/**
 * Test run: a processor's code (the active version's, or the one being written) on pasted records or on the newest
 * records of its input topic, in a sandbox with the tenant's memory limit. Nothing is written to any topic: the
 * outputs, drops, errors and logs of each record come back in the response. Bounded: records
 * (SAMSA_TEST_RUN_MAX_RECORDS), the whole run's time (SAMSA_TEST_RUN_TIMEOUT_MS) and runs per tenant at once
 * (SAMSA_TEST_RUNS_PER_TENANT, 429 beyond).
 */
import { brokerName } from '@samsa/cluster/namespace';
import type { Tenant } from '@samsa/db';
import { openSecret, processorSecretAad, secretKeyFromEnv } from '@samsa/db/secret-box';
import { DEFAULT_SANDBOX_LIMITS, type InputRecord } from '@samsa/processors';
import { testRun } from '@samsa/processors/sandbox';
import { SchemaLookup, SchemaRegistryUnavailable } from '@samsa/processors/schemas';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import { clusterAdmin } from '../cluster/cluster-admin.ts';
import { getQuota } from '../tenants/service.ts';
import { compileOrExplain } from './compile.ts';
import type { TestRecordInput, TestRunInput } from './schemas.ts';
import { processorLimits, processorSettings } from './settings.ts';
import { languageView } from './views.ts';

const holder = globalThis as unknown as {
  __samsaTestRuns?: Map<string, number>;
  __samsaSchemaLookup?: SchemaLookup | null;
};
const running = () => (holder.__samsaTestRuns ??= new Map());

/** Holds one of the tenant's test-run slots while `run` runs; 429 when they are all taken. */
export async function withTestRunSlot<T>(tenantId: string, slots: number, run: () => Promise<T>): Promise<T> {
  const now = running().get(tenantId) ?? 0;
  if (now >= slots) {
    throw new ApiError(
      'rate_limited',
      `This tenant already has ${now} test runs going (at most ${slots} at once); try again when one has finished`,
      undefined,
      { 'retry-after': '1' },
    );
  }
  running().set(tenantId, now + 1);
  try {
    return await run();
  } finally {
    const left = (running().get(tenantId) ?? 1) - 1;
    if (left <= 0) running().delete(tenantId);
    else running().set(tenantId, left);
  }
}

function pastedRecords(topic: string, records: TestRecordInput[]): InputRecord[] {
  const nowMs = Date.now();
  return records.map((r, i) => ({
    topic,
    partition: 0,
    offset: BigInt(i),
    timestampMs: r.timestamp ?? nowMs,
    key: r.key === undefined || r.key === null ? null : Buffer.from(r.key, 'utf8'),
    value:
      r.value === null ? null : Buffer.from(typeof r.value === 'string' ? r.value : JSON.stringify(r.value), 'utf8'),
    headers: Object.entries(r.headers ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')] as [string, Buffer]),
  }));
}

/** The newest `n` records of the tenant's topic over all its partitions, oldest first (read as the superuser). */
async function newestRecords(tenant: Tenant, topic: string, n: number): Promise<InputRecord[]> {
  const info = await clusterAdmin().describeTopic(brokerName(tenant.slug, topic));
  if (!info) {
    throw new ApiError('validation_failed', `No topic '${topic}' in tenant '${tenant.slug}'`, {
      input: ['No such topic'],
    });
  }
  const all: InputRecord[] = [];
  for (const p of info.partitions) {
    if (p.endOffset <= p.startOffset) continue;
    const fromOffset = Math.max(p.startOffset, p.endOffset - n);
    const page = await clusterAdmin().readMessages(info.brokerName, p.partition, { offset: fromOffset }, n);
    for (const m of page.messages) {
      all.push({
        topic,
        partition: m.partition,
        offset: BigInt(m.offset),
        timestampMs: m.timestamp,
        key: m.key,
        value: m.value,
        headers: m.headers.map(([k, v]) => [k, v ?? Buffer.alloc(0)] as [string, Buffer]),
      });
    }
  }
  all.sort((a, b) => a.timestampMs - b.timestampMs || a.partition - b.partition || Number(a.offset - b.offset));
  return all.slice(-n);
}

/** The processor's stored secrets, opened, so its code sees ctx.env as it will when deployed. */
async function openedSecrets(processorId: string): Promise<Record<string, string>> {
  const rows = await db().processorSecret.findMany({ where: { processorId } });
  if (rows.length === 0) return {};
  let key: Buffer;
  try {
    key = secretKeyFromEnv();
  } catch {
    throw new ApiError('internal', 'The console cannot open secrets: SAMSA_SECRETS_KEY is not set or invalid');
  }
  return Object.fromEntries(
    rows.map((r) => [r.name, openSecret(key, processorSecretAad(processorId, r.name), r.ciphertext)]),
  );
}

/** Schema registry answers a test run keeps, and how long: as the processor host's defaults. */
const SCHEMA_CACHE_MAX_ENTRIES = 10_000;
const SCHEMA_CACHE_TTL_MS = 5_000;
const SCHEMA_REQUEST_TIMEOUT_MS = 5_000;

/** The schema registry test runs decode and check through, as the processor host does (null: none configured). */
function schemaLookup(): SchemaLookup | null {
  if (holder.__samsaSchemaLookup !== undefined) return holder.__samsaSchemaLookup;
  const url = process.env.SAMSA_SCHEMA_REGISTRY_URL;
  holder.__samsaSchemaLookup = url
    ? new SchemaLookup(
        {
          url,
          username: process.env.SAMSA_SCHEMA_REGISTRY_USERNAME ?? process.env.SAMSA_BROKER_SASL_USERNAME ?? '',
          password: process.env.SAMSA_SCHEMA_REGISTRY_PASSWORD ?? process.env.SAMSA_BROKER_SASL_PASSWORD ?? '',
        },
        {
          cacheMaxEntries: SCHEMA_CACHE_MAX_ENTRIES,
          cacheTtlMs: SCHEMA_CACHE_TTL_MS,
          requestTimeoutMs: SCHEMA_REQUEST_TIMEOUT_MS,
        },
      )
    : null;
  return holder.__samsaSchemaLookup;
}

export async function runTest(tenant: Tenant, name: string, input: TestRunInput) {
  const settings = processorSettings();
  const p = await db().processor.findUnique({
    where: { tenantId_name: { tenantId: tenant.id, name } },
    include: { activeDeployment: { include: { version: true } } },
  });
  const v = p?.activeDeployment?.version;
  const source = input.source ?? v?.source;
  const language = input.language ?? (v ? languageView(v.language) : 'javascript');
  const outputs = input.outputs ?? v?.outputTopics;
  const topic = input.input ?? v?.inputTopic;
  if (source === undefined || outputs === undefined) {
    throw new ApiError('validation_failed', `No processor '${name}' yet: give source and outputs to test-run it`, {
      ...(source === undefined ? { source: ['Required for a processor not created yet'] } : {}),
      ...(outputs === undefined ? { outputs: ['Required for a processor not created yet'] } : {}),
    });
  }
  const maxRecords = Math.min(settings.SAMSA_TEST_RUN_MAX_RECORDS, 100);
  const count = input.records?.length ?? input.lastN ?? 0;
  if (count > maxRecords) {
    throw new ApiError('validation_failed', `A test run takes at most ${maxRecords} records`, {
      [input.records ? 'records' : 'lastN']: [`At most ${maxRecords}`],
    });
  }
  const { code } = compileOrExplain(source, language);
  const env = {
    ...(input.env ?? (v?.env as Record<string, string> | undefined) ?? {}),
    ...(p ? await openedSecrets(p.id) : {}),
  };
  const limits = processorLimits(await getQuota(tenant.id), settings);
  return withTestRunSlot(tenant.id, settings.SAMSA_TEST_RUNS_PER_TENANT, async () => {
    let records: InputRecord[];
    if (input.records) {
      records = pastedRecords(topic ?? 'test', input.records);
    } else {
      if (!topic) {
        throw new ApiError('validation_failed', 'Give the input topic to read its newest records', {
          input: ['Required with lastN for a processor not created yet'],
        });
      }
      records = await newestRecords(tenant, topic, input.lastN ?? 1);
    }
    const timeoutMs = settings.SAMSA_TEST_RUN_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ApiError(
              'timeout',
              `The test run took longer than ${timeoutMs} ms (SAMSA_TEST_RUN_TIMEOUT_MS); try fewer records`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([
        testRun(
          {
            code,
            outputs,
            env,
            processor: { name, version: v?.version ?? 0 },
            limits: {
              memoryMb: limits.memoryMb,
              cpuMsPerCall: Math.min(DEFAULT_SANDBOX_LIMITS.cpuMsPerCall, timeoutMs),
            },
          },
          records,
          { lookup: schemaLookup(), slug: tenant.slug },
        ).catch((err) => {
          if (!(err instanceof SchemaRegistryUnavailable)) throw err;
          throw new ApiError(
            'cluster_unavailable',
            `The test run could not decode or check its records: ${err.message}`,
          );
        }),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
    }
  });
}
