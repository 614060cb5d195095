/**
 * `samsa group list|lag|describe|reset-offsets` in the direct mode (--bootstrap) as an operator runs it, against a
 * real broker and a real KafkaJS group; the console mode (--tenant) is tested in apps/console/test/uncommitted-lag.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, startBroker } from '@samsa/test-support/broker-process';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../bin/samsa.js');

function samsa(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: 30_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

let broker: BrokerProcess;
let kafka: Kafka;
before(async () => {
  broker = await startBroker({
    args: ['--group-initial-rebalance-delay-ms', '0', '--group-min-session-timeout-ms', '1000'],
  });
  kafka = new Kafka({ clientId: 'cli-group-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
});
after(async () => {
  await broker.cleanup();
});

test('usage errors exit 2 with a message; --help documents the subcommands', async () => {
  const [help, listed] = await Promise.all([samsa(['group', '--help']), samsa(['--help'])]);
  assert.equal(help.code, 0);
  for (const s of ['list', 'lag GROUP', 'describe GROUP', 'reset-offsets', '--tenant T', '--bootstrap', '--json'])
    assert.ok(help.stdout.includes(s), s);
  assert.match(listed.stdout, /group\s+list consumer groups/);
  const cases = [
    [['group'], /missing subcommand/],
    [['group', 'frob'], /unknown subcommand 'frob'/],
    [['group', 'lag'], /lag needs a GROUP/],
    [['group', 'reset-offsets', 'g', '--to-earliest', '--to-latest'], /exactly one of/],
    [['group', 'reset-offsets', 'g', '--to-datetime', 'yesterday'], /not an ISO-8601 time/],
    [['group', 'list', '--bootstrap', 'nowhere'], /expected HOST:PORT/],
    [
      ['group', 'list', '--username', 'admin'],
      /--password \(SAMSA_BROKER_SASL_PASSWORD\): .*set SAMSA_BROKER_SASL_PASSWORD too/,
    ],
    [['group', 'list', '--no-such-flag'], /Unknown option '--no-such-flag'/],
    [['group', 'lag', 'g', '--tenant', 'acme', '--bootstrap', 'h:1'], /--bootstrap is for the direct mode/],
    [['group', 'list', '--url', 'http://127.0.0.1:1'], /--url needs --tenant T/],
    [['group', 'lag', 'g', '--all-tenants'], /--all-tenants is for list only/],
    [['group', 'lag', 'g', '--topic', 'orders'], /--topic is for reset-offsets/],
  ] as const;
  const results = await Promise.all(cases.map(([args]) => samsa([...args])));
  for (const [i, [args, message]] of cases.entries()) {
    const r = results[i];
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('list and lag show a live group; reset-offsets previews, refuses while members are live, then resets', async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'payments', numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const t0 = Date.now();
  await producer.send({
    topic: 'payments',
    messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: `p${i}` })),
  });
  await new Promise((r) => setTimeout(r, 50));
  const tMid = Date.now();
  await producer.send({
    topic: 'payments',
    messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `q${i}` })),
  });
  // A consumer reads 12 messages and commits them, then stays in the group without reading more.
  const consumer = kafka.consumer({ groupId: 'ledger', sessionTimeout: 6000, heartbeatInterval: 300 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'payments', fromBeginning: true });
  let seen = 0;
  await consumer.run({
    autoCommitThreshold: 1,
    eachMessage: async ({ topic, partition }) => {
      seen++;
      if (seen >= 12) consumer.pause([{ topic, partitions: [partition] }]);
      if (seen >= 12) consumer.pause([{ topic }]);
    },
  });
  const deadline = Date.now() + 20_000;
  let lagJson: any;
  while (Date.now() < deadline) {
    const r = await samsa(['group', 'lag', 'ledger', '--bootstrap', broker.bootstrap, '--json']);
    if (r.code === 0) {
      lagJson = JSON.parse(r.stdout);
      const committed = lagJson.partitions.reduce((a: number, p: any) => a + p.committedOffset, 0);
      if (lagJson.partitions.length === 2 && committed >= 12 && lagJson.members.length === 1) break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(lagJson, 'group lag answered');
  assert.equal(lagJson.groupId, 'ledger');
  assert.equal(lagJson.state, 'Stable');
  const committed = lagJson.partitions.reduce((a: number, p: any) => a + p.committedOffset, 0);
  assert.equal(lagJson.totalLag, 30 - committed);
  for (const p of lagJson.partitions) {
    assert.equal(p.logEndOffset, 15);
    assert.equal(p.lag, 15 - p.committedOffset);
    assert.ok(p.consumer, 'shows which client owns the partition');
  }

  const list = await samsa(['group', 'list', '--bootstrap', broker.bootstrap, '--json']);
  assert.equal(list.code, 0, list.stderr);
  const groups = JSON.parse(list.stdout);
  const ledger = groups.find((g: any) => g.groupId === 'ledger');
  assert.deepEqual([ledger.members, ledger.topics, ledger.totalLag], [1, ['payments'], 30 - committed]);
  const listTable = await samsa(['group', 'list', '--bootstrap', broker.bootstrap]);
  assert.match(listTable.stdout, /^GROUP\s+STATUS\s+STATE\s+MEMBERS\s+TOPICS\s+LAG\s+TIME-LAG\n/);
  assert.match(listTable.stdout, /\nledger\s+OK\s+Stable\s+1\s+payments\s+\d+/);
  const lagTable = await samsa([
    'group',
    'lag',
    'ledger',
    '--bootstrap',
    broker.bootstrap,
    '--samples',
    '2',
    '--interval-ms',
    '100',
  ]);
  assert.match(lagTable.stdout, /^Group ledger: OK/);
  assert.match(lagTable.stdout, /TOPIC\s+PARTITION\s+COMMITTED\s+LOG-END\s+LAG\s+TIME-LAG\s+STATUS\s+CONSUMER/);
  const described = await samsa(['group', 'describe', 'ledger', '--bootstrap', broker.bootstrap]);
  assert.equal(described.code, 0, described.stderr);
  assert.match(
    described.stdout,
    /MEMBER\s+CLIENT-ID\s+HOST\s+ASSIGNMENTS\n\S+\s+cli-group-test\s+\S+\s+payments\[0,1\]\n/,
  );
  const missing = await samsa(['group', 'lag', 'nobody', '--bootstrap', broker.bootstrap]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no consumer group 'nobody'/);

  // While the member is live: the preview works, --execute is refused.
  const preview = await samsa(['group', 'reset-offsets', 'ledger', '--to-earliest', '--bootstrap', broker.bootstrap]);
  assert.equal(preview.code, 0, preview.stderr);
  assert.match(preview.stdout, /CURRENT\s+NEW\s+LOG-START\s+LOG-END\s+CURRENT-LAG\s+NEW-LAG/);
  assert.match(preview.stdout, /Preview only: group ledger is Stable with 1 member\(s\)/);
  const refused = await samsa([
    'group',
    'reset-offsets',
    'ledger',
    '--to-earliest',
    '--execute',
    '--bootstrap',
    broker.bootstrap,
  ]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /stop its consumers first/);

  await consumer.disconnect();

  const earliest = await samsa([
    'group',
    'reset-offsets',
    'ledger',
    '--to-earliest',
    '--execute',
    '--json',
    '--bootstrap',
    broker.bootstrap,
  ]);
  assert.equal(earliest.code, 0, earliest.stderr);
  const plan = JSON.parse(earliest.stdout);
  assert.equal(plan.executed, true);
  assert.deepEqual(
    plan.rows.map((r: any) => [r.partition, r.newOffset, r.newLag]),
    [
      [0, 0, 15],
      [1, 0, 15],
    ],
  );
  const after1 = JSON.parse(
    (await samsa(['group', 'lag', 'ledger', '--json', '--bootstrap', broker.bootstrap])).stdout,
  );
  assert.equal(after1.totalLag, 30);
  assert.equal(after1.status, 'EMPTY');

  // A specific offset on one partition only, clamped into the log.
  const one = JSON.parse(
    (
      await samsa([
        'group',
        'reset-offsets',
        'ledger',
        '--to-offset',
        '99',
        '--topic',
        'payments:1',
        '--execute',
        '--json',
        '--bootstrap',
        broker.bootstrap,
      ])
    ).stdout,
  );
  assert.deepEqual(
    one.rows.map((r: any) => [r.partition, r.currentOffset, r.newOffset]),
    [[1, 0, 15]],
  );

  // By time: the first offset at or after a timestamp between the two sends is 10 on each partition.
  const byTime = JSON.parse(
    (
      await samsa([
        'group',
        'reset-offsets',
        'ledger',
        '--to-datetime',
        new Date(tMid).toISOString(),
        '--json',
        '--bootstrap',
        broker.bootstrap,
      ])
    ).stdout,
  );
  assert.equal(byTime.executed, false, 'preview only without --execute');
  assert.deepEqual(
    byTime.rows.map((r: any) => r.newOffset),
    [10, 10],
  );
  const beforeAll = JSON.parse(
    (
      await samsa([
        'group',
        'reset-offsets',
        'ledger',
        '--to-datetime',
        new Date(t0 - 60_000).toISOString(),
        '--json',
        '--bootstrap',
        broker.bootstrap,
      ])
    ).stdout,
  );
  assert.deepEqual(
    beforeAll.rows.map((r: any) => r.newOffset),
    [0, 0],
  );

  const latest = JSON.parse(
    (
      await samsa([
        'group',
        'reset-offsets',
        'ledger',
        '--to-latest',
        '--execute',
        '--json',
        '--bootstrap',
        broker.bootstrap,
      ])
    ).stdout,
  );
  assert.deepEqual(
    latest.rows.map((r: any) => r.newLag),
    [0, 0],
  );
  const after2 = JSON.parse(
    (await samsa(['group', 'lag', 'ledger', '--json', '--bootstrap', broker.bootstrap])).stdout,
  );
  assert.equal(after2.totalLag, 0);
  await producer.disconnect();
});

test("signs in as the superuser with the console's SASL variables (SCRAM-SHA-512)", async () => {
  const secure = await startBroker({ args: ['--auth', 'sasl', '--superuser-password', 'group-cli-secret'] });
  try {
    const env = { SAMSA_BROKER_SASL_USERNAME: 'admin', SAMSA_BROKER_SASL_PASSWORD: 'group-cli-secret' };
    const ok = await samsa(['group', 'list', '--json', '--bootstrap', secure.bootstrap], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), []);
    const denied = await samsa(['group', 'list', '--bootstrap', secure.bootstrap], {
      ...env,
      SAMSA_BROKER_SASL_PASSWORD: 'wrong-password',
    });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /^samsa group: /);
  } finally {
    await secure.cleanup();
  }
});
