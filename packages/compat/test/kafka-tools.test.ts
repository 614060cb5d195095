/**
 * Kafka 4.1.1's own command-line tools, run as their main classes from the downloaded jars, against a real
 * `samsa broker`: once without SASL (no database, auth off) and once with SASL/SCRAM-SHA-512 against a broker with
 * tenants, where the tools authenticate with a tenant admin's API key through a properties file. Each step asserts
 * what a user reads in the tool's output: topics, partitions and configs, keyed records, group offsets and lag,
 * offset resets, config changes and errors, ACLs, perf-test summaries and offsets by time.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import { CACHE_DIR, KAFKA_VERSION, kafkaSkipReason } from '@samsa/kafka-harness/jars';
import { CLIENT_JVM_FLAGS, type JavaResult, runJava, spawnJava } from '@samsa/kafka-harness/java';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';
import { TenantFixtures, type TestKey } from '@samsa/test-support/tenants';
import { Kafka, logLevel } from 'kafkajs';

const skip = kafkaSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

const TOOL = {
  topics: 'org.apache.kafka.tools.TopicCommand',
  producer: 'org.apache.kafka.tools.ConsoleProducer',
  consumer: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  groups: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  configs: 'kafka.admin.ConfigCommand',
  acls: 'org.apache.kafka.tools.AclCommand',
  producerPerf: 'org.apache.kafka.tools.ProducerPerformance',
  consumerPerf: 'org.apache.kafka.tools.ConsumerPerformance',
  offsets: 'org.apache.kafka.tools.GetOffsetShell',
} as const;
type ToolName = keyof typeof TOOL;

/** How each tool is told where its client properties are (Kafka 4.1's flag names). */
const CONFIG_FLAG: Record<ToolName, string> = {
  topics: '--command-config',
  producer: '--producer.config',
  consumer: '--consumer.config',
  groups: '--command-config',
  configs: '--command-config',
  acls: '--command-config',
  producerPerf: '--producer.config',
  consumerPerf: '--consumer.config',
  offsets: '--command-config',
};

const TOOL_TIMEOUT_MS = 60_000;
const PERF_RECORDS = 20_000;

/** One way of reaching a broker: its address and, with SASL, the properties file holding a key's credentials. */
interface Endpoint {
  bootstrap: string;
  configFile?: string;
  key?: TestKey;
}

/** A KafkaJS client for the same endpoint, to write records the tools cannot (explicit timestamps). */
function kafkajsFor(at: Endpoint): Kafka {
  return new Kafka({
    brokers: [at.bootstrap],
    logLevel: logLevel.NOTHING,
    ...(at.key ? { sasl: { mechanism: 'scram-sha-512', username: at.key.keyId, password: at.key.secret } } : {}),
  });
}

let workDir: string;
let plainBroker: BrokerProcess;
let db: TestDatabase;
let fx: TenantFixtures;
let saslBroker: BrokerProcess;
let acmeAdmin: Endpoint;
let analyst: Endpoint;
let auditor: Endpoint;
let auditorKey: TestKey;
let globexAdmin: Endpoint;

let endpointCount = 0;
/** Writes a client properties file for `key` (SCRAM-SHA-512 over SASL_PLAINTEXT). */
async function saslEndpoint(bootstrap: string, key: TestKey): Promise<Endpoint> {
  endpointCount += 1;
  const configFile = join(workDir, `client-${endpointCount}.properties`);
  await writeFile(
    configFile,
    [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${key.keyId}" password="${key.secret}";`,
      '',
    ].join('\n'),
  );
  return { bootstrap, configFile, key };
}

/** JVM flags for every tool launch: the client flags, plus a class-data-sharing archive once one exists. */
let toolJvmFlags = CLIENT_JVM_FLAGS;

/**
 * Some 75 tool launches dominate this file's time, and most of each is loading classes. A dynamic class-data-sharing
 * archive, recorded once per JDK and Kafka version from one admin tool's run (kafka-configs loads Scala and the Admin
 * client), cuts the CPU of every later launch by a third to a half. The JVM ignores an archive that does not match its classpath;
 * its log (which would print that on stdout) is kept to errors on stderr.
 */
async function useClassDataArchive(bootstrap: string): Promise<void> {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr;
  const id = createHash('sha256').update(`${KAFKA_VERSION}\n${java}`).digest('hex').slice(0, 16);
  const archive = join(CACHE_DIR, 'cds', `kafka-tools-${id}.jsa`);
  const quiet = ['-Xlog:disable', '-Xlog:all=error:stderr'];
  if (!existsSync(archive)) {
    await mkdir(join(CACHE_DIR, 'cds'), { recursive: true });
    const tmp = `${archive}.tmp-${process.pid}`;
    await runJava(TOOL.configs, ['--bootstrap-server', bootstrap, '--entity-type', 'brokers', '--describe', '--all'], {
      jvmFlags: [...CLIENT_JVM_FLAGS, ...quiet, `-XX:ArchiveClassesAtExit=${tmp}`],
      timeoutMs: TOOL_TIMEOUT_MS,
    });
    if (!existsSync(tmp)) return;
    await rename(tmp, archive);
  }
  toolJvmFlags = [...CLIENT_JVM_FLAGS, ...quiet, `-XX:SharedArchiveFile=${archive}`];
}

before(async () => {
  if (skip) return;
  workDir = await mkdtemp(join(tmpdir(), 'samsa-kafka-tools-'));
  db = await createTestDatabase();
  fx = new TenantFixtures(db.url);
  const acme = await fx.tenant('acme');
  const globex = await fx.tenant('globex');
  const acmeAdminKey = await fx.key(acme, 'acme-admin');
  await fx.admin(acme, 'acme-admin');
  const globexAdminKey = await fx.key(globex, 'globex-admin');
  await fx.admin(globex, 'globex-admin');
  const analystKey = await fx.key(acme, 'analyst');
  auditorKey = await fx.key(acme, 'auditor');
  const common = ['--group-initial-rebalance-delay-ms', '0'];
  [plainBroker, saslBroker] = await Promise.all([
    startBroker({ args: common }),
    startBroker({
      args: ['--database-url', db.url, ...common],
      env: { SAMSA_SUPERUSER_PASSWORD: 'tools-superuser-password' },
    }),
  ]);
  await useClassDataArchive(plainBroker.bootstrap);
  acmeAdmin = await saslEndpoint(saslBroker.bootstrap, acmeAdminKey);
  analyst = await saslEndpoint(saslBroker.bootstrap, analystKey);
  auditor = await saslEndpoint(saslBroker.bootstrap, auditorKey);
  globexAdmin = await saslEndpoint(saslBroker.bootstrap, globexAdminKey);
  // Another tenant's topic, which acme's tools must never see.
  const globexAdminClient = kafkajsFor(globexAdmin).admin();
  await globexAdminClient.connect();
  await globexAdminClient.createTopics({ topics: [{ topic: 'globex-only', numPartitions: 1 }] });
  await globexAdminClient.disconnect();
});

after(async () => {
  await Promise.all([plainBroker?.cleanup(), saslBroker?.cleanup()]);
  await fx?.close();
  await db?.drop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** The bootstrap flag and, with SASL, the properties-file flag in the form `name` takes them. */
function connectArgs(at: Endpoint, name: ToolName): string[] {
  const config = at.configFile ? [CONFIG_FLAG[name], at.configFile] : [];
  if (name === 'producerPerf') return [...config, '--producer-props', `bootstrap.servers=${at.bootstrap}`];
  return ['--bootstrap-server', at.bootstrap, ...config];
}

/** Runs one tool against `at` to its end. */
async function tool(at: Endpoint, name: ToolName, args: string[], input?: string): Promise<JavaResult> {
  // --producer-props takes every following word, so ProducerPerformance gets it last.
  const all = name === 'producerPerf' ? [...args, ...connectArgs(at, name)] : [...connectArgs(at, name), ...args];
  return runJava(TOOL[name], all, { timeoutMs: TOOL_TIMEOUT_MS, input, jvmFlags: toolJvmFlags });
}

/** Resolves with the first line a running tool prints; rejects if it exits first or prints nothing in time. */
async function firstLine(child: ChildProcess): Promise<string> {
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before printing a line:\n${err}`)));
    setTimeout(() => reject(new Error(`no line within ${TOOL_TIMEOUT_MS} ms:\n${err}`)), TOOL_TIMEOUT_MS).unref();
  });
}

/** Like `tool`, but the run must succeed; returns its stdout. */
async function ok(at: Endpoint, name: ToolName, args: string[], input?: string): Promise<string> {
  const r = await tool(at, name, args, input);
  assert.equal(r.code, 0, `${TOOL[name]} ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** The rows of a whitespace-aligned table such as kafka-consumer-groups prints, keyed by its header's columns. */
function table(text: string, firstColumn: string): Record<string, string>[] {
  const all = lines(text);
  const start = all.findIndex((l) => l.startsWith(`${firstColumn} `));
  assert.ok(start >= 0, `no table headed ${firstColumn} in:\n${text}`);
  const header = all[start]!.split(/\s+/);
  const rows: Record<string, string>[] = [];
  for (const line of all.slice(start + 1)) {
    const cells = line.split(/\s+/);
    if (cells.length !== header.length) break;
    rows.push(Object.fromEntries(header.map((h, i) => [h, cells[i]!])));
  }
  return rows;
}

/** `topic:partition:offset` lines of kafka-get-offsets, as { 'topic:partition': offset }. */
function offsetsOf(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of lines(text)) {
    const m = /^(.+):(\d+):(-?\d+)$/.exec(line);
    if (m) out[`${m[1]}:${m[2]}`] = Number(m[3]);
  }
  return out;
}

function byPartition(rows: Record<string, string>[]): Record<string, Record<string, string>> {
  return Object.fromEntries(rows.map((r) => [r.PARTITION!, r]));
}

/** The same walk through every tool, against one broker; `sasl` says whether it authenticates as a tenant admin. */
function toolsSuite(mode: 'without SASL' | 'with SASL/SCRAM-SHA-512 as a tenant admin') {
  const sasl = mode !== 'without SASL';
  const at = (): Endpoint => (sasl ? acmeAdmin : { bootstrap: plainBroker.bootstrap });

  describe(mode, { concurrency: 1 }, () => {
    it('kafka-topics: --create with a config, --list, --alter --partitions, --delete, --describe', async () => {
      assert.match(
        await ok(at(), 'topics', [
          '--create',
          '--topic',
          'orders',
          '--partitions',
          '3',
          '--config',
          'retention.ms=3600000',
        ]),
        /Created topic orders\./,
      );
      await ok(at(), 'topics', ['--create', '--topic', 'doomed', '--partitions', '1']);
      const listed = lines(await ok(at(), 'topics', ['--list']));
      assert.deepEqual(listed.sort(), ['doomed', 'orders'], 'only this namespace and no internal topics');

      await ok(at(), 'topics', ['--alter', '--topic', 'orders', '--partitions', '4']);
      await ok(at(), 'topics', ['--delete', '--topic', 'doomed']);
      const [described, again, shrink] = await Promise.all([
        ok(at(), 'topics', ['--describe']),
        tool(at(), 'topics', ['--create', '--topic', 'orders', '--partitions', '1']),
        tool(at(), 'topics', ['--alter', '--topic', 'orders', '--partitions', '2']),
      ]);
      // Errors name the topic as the client does (with SASL: never the tenant's internal 'acme.orders').
      assert.notEqual(again.code, 0);
      assert.match(again.stdout + again.stderr, /Error while executing topic command : topic 'orders' already exists/);
      assert.notEqual(shrink.code, 0);
      assert.match(
        shrink.stdout + shrink.stderr,
        /Error while executing topic command : topic 'orders' has 4 partitions;/,
      );
      assert.match(
        described,
        /^Topic: orders\tTopicId: \S+\tPartitionCount: 4\tReplicationFactor: 1\tConfigs: retention\.ms=3600000$/m,
      );
      const partitions = [
        ...described.matchAll(/\tTopic: orders\tPartition: (\d+)\tLeader: (\d+)\tReplicas: (\d+)\tIsr: (\d+)/g),
      ];
      assert.deepEqual(
        partitions.map((m) => m[1]),
        ['0', '1', '2', '3'],
      );
      for (const m of partitions) assert.ok(m[2] === m[3] && m[3] === m[4], `leader, replicas and ISR agree: ${m[0]}`);
      assert.doesNotMatch(described, /doomed/);
      assert.doesNotMatch(described, /globex/);
    });

    it('kafka-console-producer with keys, then kafka-console-consumer --from-beginning --group --max-messages', async () => {
      const input = 'alice:signed-up\nbob:signed-up\ncarol:signed-up\nalice:ordered\nbob:ordered\nalice:paid\n';
      await ok(
        at(),
        'producer',
        ['--topic', 'orders', '--property', 'parse.key=true', '--property', 'key.separator=:'],
        input,
      );
      const r = await tool(at(), 'consumer', [
        '--topic',
        'orders',
        '--from-beginning',
        '--group',
        'billing',
        '--max-messages',
        '6',
        '--property',
        'print.key=true',
        '--property',
        'key.separator=:',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Processed a total of 6 messages/);
      const got = lines(r.stdout);
      assert.deepEqual([...got].sort(), lines(input).sort(), 'every keyed record, key and value intact');
      assert.deepEqual(
        got.filter((l) => l.startsWith('alice:')),
        ['alice:signed-up', 'alice:ordered', 'alice:paid'],
        'one key keeps its order (one partition)',
      );
    });

    it('kafka-consumer-groups: --list, --describe with lag, --reset-offsets (dry run, shift, earliest, to offset), --delete', async () => {
      assert.ok(lines(await ok(at(), 'groups', ['--list'])).includes('billing'));
      const committed = table(await ok(at(), 'groups', ['--describe', '--group', 'billing']), 'GROUP');
      assert.equal(committed.length, 4, 'a row per partition of orders');
      const end: Record<string, number> = {};
      for (const row of committed) {
        assert.equal(row.TOPIC, 'orders');
        assert.equal(row['CURRENT-OFFSET'], row['LOG-END-OFFSET'], 'consumed to the end');
        assert.equal(row.LAG, '0');
        end[row.PARTITION!] = Number(row['LOG-END-OFFSET']);
      }
      assert.equal(
        Object.values(end).reduce((a, b) => a + b, 0),
        6,
      );
      const reset = (...how: string[]) => ok(at(), 'groups', ['--reset-offsets', '--group', 'billing', ...how]);

      const dry = byPartition(table(await reset('--topic', 'orders', '--to-earliest', '--dry-run'), 'GROUP'));
      for (const p of Object.keys(end)) assert.equal(dry[p]!['NEW-OFFSET'], '0');
      // The dry run changed nothing: shifting back by one starts from the committed end offsets.
      const shifted = byPartition(table(await reset('--topic', 'orders', '--shift-by', '-1', '--execute'), 'GROUP'));
      for (const [p, e] of Object.entries(end)) assert.equal(Number(shifted[p]!['NEW-OFFSET']), Math.max(0, e - 1));
      const earliest = byPartition(table(await reset('--all-topics', '--to-earliest', '--execute'), 'GROUP'));
      for (const p of Object.keys(end)) assert.equal(earliest[p]!['NEW-OFFSET'], '0');
      const busiest = Object.entries(end).sort((a, b) => b[1] - a[1])[0]![0];
      await reset('--topic', `orders:${busiest}`, '--to-offset', '1', '--execute');

      const now = byPartition(table(await ok(at(), 'groups', ['--describe', '--group', 'billing']), 'GROUP'));
      for (const [p, e] of Object.entries(end)) {
        const current = p === busiest ? 1 : 0;
        assert.equal(now[p]!['CURRENT-OFFSET'], String(current), `partition ${p}`);
        assert.equal(now[p]!.LAG, String(e - current), `partition ${p}`);
      }

      assert.match(
        await ok(at(), 'groups', ['--delete', '--group', 'billing']),
        /Deletion of requested consumer groups \('billing'\) was successful/,
      );
    });

    it('kafka-consumer-groups on a live group: --describe --members and --state; --delete refuses a group with members', async () => {
      const consumer = await spawnJava(
        TOOL.consumer,
        [...connectArgs(at(), 'consumer'), '--topic', 'orders', '--group', 'live', '--from-beginning'],
        { jvmFlags: toolJvmFlags },
      );
      try {
        await firstLine(consumer);
        const [members, state, deletion] = await Promise.all([
          ok(at(), 'groups', ['--describe', '--group', 'live', '--members']),
          ok(at(), 'groups', ['--describe', '--group', 'live', '--state']),
          tool(at(), 'groups', ['--delete', '--group', 'live']),
        ]);
        const [member, ...others] = table(members, 'GROUP');
        assert.deepEqual(others, [], 'one member');
        assert.match(member!['CONSUMER-ID']!, /^console-consumer-/);
        assert.equal(member!.HOST, '/127.0.0.1');
        assert.equal(member!['#PARTITIONS'], '4', 'the only member owns every partition');
        const [row] = table(state, 'GROUP');
        assert.equal(row!.STATE, 'Stable');
        assert.equal(row!['#MEMBERS'], '1');
        assert.match(
          deletion.stdout + deletion.stderr,
          /Group 'live' could not be deleted due to: .*GroupNotEmptyException/,
        );
      } finally {
        const exited = consumer.exitCode !== null || consumer.signalCode !== null ? null : once(consumer, 'exit');
        consumer.kill('SIGTERM');
        await exited;
      }
    });

    it('kafka-configs: --alter --add-config and --delete-config on a topic, --describe; an invalid value is refused clearly', async () => {
      const configs = (...args: string[]) =>
        tool(at(), 'configs', ['--entity-type', 'topics', '--entity-name', 'orders', ...args]);
      const altered = await configs(
        '--alter',
        '--add-config',
        'max.message.bytes=200000',
        '--delete-config',
        'retention.ms',
      );
      assert.equal(altered.code, 0, altered.stderr);
      assert.match(altered.stdout, /Completed updating config for topic orders/);
      const described = await configs('--describe');
      assert.match(
        described.stdout,
        /Dynamic configs for topic orders are:\n\s*max\.message\.bytes=200000 sensitive=false/,
      );
      assert.doesNotMatch(described.stdout, /retention\.ms/, 'the config set at creation is gone');

      const bad = await configs('--alter', '--add-config', 'retention.ms=forever');
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /InvalidConfigurationException: invalid value for retention\.ms/);
    });

    it('kafka-producer-perf-test sends 20,000 records; kafka-consumer-perf-test reads them all back', async () => {
      const sent = await ok(at(), 'producerPerf', [
        '--topic',
        'perf',
        '--num-records',
        String(PERF_RECORDS),
        '--record-size',
        '100',
        '--throughput',
        '-1',
      ]);
      assert.match(sent, new RegExp(`^${PERF_RECORDS} records sent, `, 'm'));
      const read = await ok(at(), 'consumerPerf', ['--topic', 'perf', '--messages', String(PERF_RECORDS)]);
      const [header, summary] = lines(read);
      const columns = header!.split(', ');
      const values = summary!.split(', ');
      assert.equal(values[columns.indexOf('data.consumed.in.nMsg')], String(PERF_RECORDS));
    });

    it('kafka-get-offsets: latest, earliest (--time -2), max timestamp (--time -3) and by timestamp', async () => {
      // One batch whose records carry out-of-order timestamps (set by the client), so every answer names a record
      // inside the batch rather than its first offset.
      const producer = kafkajsFor(at()).producer();
      await producer.connect();
      await producer.send({
        topic: 'ticks',
        messages: ['1000', '3000', '2000', '5000', '4000'].map((timestamp) => ({
          value: `at ${timestamp}`,
          timestamp,
        })),
      });
      await producer.disconnect();

      const latest = offsetsOf(await ok(at(), 'offsets', []));
      assert.equal(latest['ticks:0'], 5);
      assert.equal(
        Object.entries(latest)
          .filter(([k]) => k.startsWith('perf:'))
          .reduce((sum, [, n]) => sum + n, 0),
        PERF_RECORDS,
      );
      assert.ok(!Object.keys(latest).some((k) => k.startsWith('globex')), 'another tenant stays invisible');
      const timed = (time: string) => ok(at(), 'offsets', ['--topic', 'ticks', '--time', time]);
      const [earliest, maxTimestamp, byTime] = await Promise.all([timed('-2'), timed('-3'), timed('2500')]);
      assert.deepEqual(offsetsOf(earliest), { 'ticks:0': 0 });
      assert.deepEqual(offsetsOf(maxTimestamp), { 'ticks:0': 3 }, 'the record with the largest timestamp');
      assert.deepEqual(offsetsOf(byTime), { 'ticks:0': 1 }, 'the first record at or after the timestamp');
    });

    if (!sasl) {
      it('kafka-acls without auth: --list says that security is disabled', async () => {
        const r = await tool(at(), 'acls', ['--list']);
        assert.notEqual(r.code, 0);
        assert.match(r.stdout + r.stderr, /SecurityDisabledException: no authorizer is configured/);
      });
      return;
    }

    it('kafka-acls: --add, --list and --remove within the tenant, for a service account and a key id; other principals are refused', async () => {
      const topicsSeenBy = async (who: Endpoint) => lines(await ok(who, 'topics', ['--list']));
      const aclsOn = (...args: string[]) => ok(at(), 'acls', [...args, '--topic', 'orders']);
      assert.deepEqual(await Promise.all([topicsSeenBy(analyst), topicsSeenBy(auditor)]), [[], []], 'no rights yet');

      const auditorPrincipal = `User:${auditorKey.keyId}`;
      const added = await aclsOn(
        '--add',
        '--allow-principal',
        'User:analyst',
        '--allow-principal',
        auditorPrincipal,
        '--operation',
        'Read',
      );
      assert.match(
        added,
        /Adding ACLs for resource `ResourcePattern\(resourceType=TOPIC, name=orders, patternType=LITERAL\)`/,
      );
      const listed = await aclsOn('--list');
      assert.match(listed, /\(principal=User:analyst, host=\*, operation=READ, permissionType=ALLOW\)/);
      assert.match(
        listed,
        new RegExp(`\\(principal=${auditorPrincipal}, host=\\*, operation=READ, permissionType=ALLOW\\)`),
      );
      assert.deepEqual(
        await Promise.all([topicsSeenBy(analyst), topicsSeenBy(auditor)]),
        [['orders'], ['orders']],
        'READ on the topic lets both see it, by service account and by key id',
      );

      const [refused, othersView] = await Promise.all([
        tool(at(), 'acls', ['--add', '--allow-principal', 'Group:ops', '--operation', 'Read', '--topic', 'orders']),
        ok(globexAdmin, 'acls', ['--list']),
      ]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stdout + refused.stderr, /a User: principal/);
      assert.doesNotMatch(othersView, /orders|analyst/, "another tenant's admin sees none of acme's ACLs");

      await aclsOn('--remove', '--force', '--allow-principal', 'User:analyst', '--operation', 'Read');
      const [left, analystNow] = await Promise.all([aclsOn('--list'), topicsSeenBy(analyst)]);
      assert.doesNotMatch(left, /User:analyst/);
      assert.match(left, new RegExp(`principal=${auditorPrincipal}`));
      assert.deepEqual(analystNow, [], 'the removed ACL stops applying');
    });

    it('a wrong secret is refused with a SASL authentication error', async () => {
      const wrong = await saslEndpoint(saslBroker.bootstrap, { ...auditorKey, secret: 'not-the-secret' });
      const r = await tool(wrong, 'topics', ['--list']);
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /SaslAuthenticationException/);
    });
  });
}

describe('Kafka tools against Samsa', { skip, concurrency: 2 }, () => {
  toolsSuite('without SASL');
  toolsSuite('with SASL/SCRAM-SHA-512 as a tenant admin');
});
