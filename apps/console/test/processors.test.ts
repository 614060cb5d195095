/**
 * Processors through the console's REST API against a real broker process with tenancy and a real Postgres: bad code
 * (422 with the line), unknown topics and the processor quota are refused; a create writes the version, the
 * deployment, the principal's ACL bindings and the DLQ topic on the broker; an update is version 2 and changes the
 * bindings; rollback and redeploy; test runs on pasted records and on the newest real records of the input topic
 * write nothing; secrets are sealed and never come back (not even in the audit log); members read but cannot change,
 * another tenant sees nothing; delete removes the rows, the bindings and the consumer group on the broker.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateSecretKey } from '@samsa/db/secret-box';
import { SUPERUSER } from './broker.ts';
import { call, seedUser } from './helpers.ts';
import { eventually, type TenancyHub, startTenancyHub } from './tenancy-hub.ts';

process.env.SAMSA_SECRETS_KEY = generateSecretKey();

let hub: TenancyHub;
let tenantAdmin: string;
let member: string;
let outsider: string;
let acmeId: string;

const T = { tenant: 'acme' };
const P = (name: string) => ({ tenant: 'acme', name });
const SECRET_VALUE = 'sk_live_do-not-leak-4242';

const MAP_SOURCE = `export default function process(record, ctx) {
  ctx.log('seen', record.offset);
  const order = JSON.parse(record.value);
  if (order.amount < 0) return [{ topic: 'invalid', value: order }];
  return { value: { ...order, checked: true } };
}
`;

before(async () => {
  hub = await startTenancyHub();
  const created = await call(
    '/tenants',
    'POST',
    {},
    {
      token: hub.admin,
      body: { slug: 'acme', displayName: 'Acme', quota: { maxProcessors: 2 } },
    },
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  acmeId = created.body.id;
  const other = await call('/tenants', 'POST', {}, { token: hub.admin, body: { slug: 'other', displayName: 'Other' } });
  tenantAdmin = (await seedUser('ops@acme.example', { memberships: [{ tenantId: acmeId, role: 'TENANT_ADMIN' }] }))
    .token;
  member = (await seedUser('dev@acme.example', { memberships: [{ tenantId: acmeId, role: 'TENANT_MEMBER' }] })).token;
  outsider = (await seedUser('ops@other.example', { memberships: [{ tenantId: other.body.id, role: 'TENANT_ADMIN' }] }))
    .token;
  for (const [name, partitions] of [
    ['orders', 2],
    ['valid', 1],
    ['invalid', 1],
    ['audit-trail', 1],
  ] as const) {
    const t = await call('/tenants/{tenant}/topics', 'POST', T, { token: tenantAdmin, body: { name, partitions } });
    assert.equal(t.status, 201, JSON.stringify(t.body));
  }
});
after(async () => {
  await hub?.close();
});

function createBody(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    input: 'orders',
    outputs: ['valid', 'invalid'],
    source: MAP_SOURCE,
    language: 'javascript',
    env: { REGION: 'eu' },
    secrets: { API_TOKEN: SECRET_VALUE },
    ...extra,
  };
}

async function topicNames(): Promise<string[]> {
  const res = await call('/tenants/{tenant}/topics', 'GET', T, { token: tenantAdmin });
  return res.body.topics.map((t: { name: string }) => t.name);
}

async function messagesIn(topic: string): Promise<number> {
  const res = await call('/tenants/{tenant}/topics/{topic}', 'GET', { tenant: 'acme', topic }, { token: tenantAdmin });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.messages;
}

async function aclsOf(name: string) {
  const { db } = await import('../src/server/db.ts');
  const rows = await db().aclBinding.findMany({ where: { tenantId: acmeId, principal: `User:processor:${name}` } });
  return rows.map((r) => `${r.resourceType}:${r.resourceName}:${r.operation}`).sort();
}

test('bad code, unknown topics and bad settings are refused with clear errors', async () => {
  const syntax = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: tenantAdmin,
    body: createBody('broken', { source: 'export default function (record) {\n  return {;\n}\n' }),
  });
  assert.equal(syntax.status, 422, JSON.stringify(syntax.body));
  assert.equal(syntax.body.error.code, 'compile_failed');
  assert.match(syntax.body.error.message, /line 2/);
  assert.ok(syntax.body.error.fieldErrors.source);

  const unknown = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: tenantAdmin,
    body: createBody('lost', { input: 'nope', outputs: ['valid', 'missing-out'] }),
  });
  assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
  assert.match(unknown.body.error.fieldErrors.input[0], /No topic 'nope'/);
  assert.match(unknown.body.error.fieldErrors.outputs[0], /'missing-out'/);

  const loop = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: tenantAdmin,
    body: createBody('loop', { outputs: ['orders'] }),
  });
  assert.equal(loop.status, 400, JSON.stringify(loop.body));
  assert.ok(loop.body.error.fieldErrors.outputs, 'the input cannot be an output');
  const env = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: tenantAdmin,
    body: createBody('env', { env: { 'bad-name': 'x' } }),
  });
  assert.equal(env.status, 400, JSON.stringify(env.body));
  assert.ok(
    Object.keys(env.body.error.fieldErrors).some((k) => k.startsWith('env')),
    'env names are checked',
  );

  const twice = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: tenantAdmin,
    body: createBody('twice', { env: { API_TOKEN: 'plain' } }),
  });
  assert.equal(twice.status, 400, JSON.stringify(twice.body));
  assert.match(twice.body.error.fieldErrors.secrets[0], /API_TOKEN is both a plain value and a secret/);

  const dup = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: tenantAdmin,
    body: createBody('dup', { outputs: ['valid', 'valid'] }),
  });
  assert.equal(dup.status, 400);
  assert.ok(!(await topicNames()).some((t) => t.endsWith('-dlq')), 'no DLQ topic was made for refused processors');
});

test('create: version 1 deployed, ACL bindings for its principal, the DLQ topic on the broker, secrets sealed', async () => {
  const res = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: tenantAdmin,
    body: createBody('checker'),
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.name, 'checker');
  assert.equal(res.body.version.version, 1);
  assert.equal(res.body.version.source, MAP_SOURCE);
  assert.deepEqual(res.body.version.secretNames, ['API_TOKEN']);
  assert.deepEqual(res.body.version.env, { REGION: 'eu' });
  assert.equal(res.body.dlqTopic, 'checker-dlq');
  assert.equal(res.body.groupId, 'samsa-processor.checker');
  assert.equal(res.body.status, 'PENDING');
  assert.equal(res.body.desiredState, 'RUNNING');
  assert.deepEqual(res.body.activeDeployment.startFrom, { kind: 'earliest' });
  assert.ok((await topicNames()).includes('checker-dlq'), 'the DLQ topic exists on the broker');

  assert.deepEqual(await aclsOf('checker'), [
    'CLUSTER:kafka-cluster:IDEMPOTENT_WRITE',
    'GROUP:samsa-processor.checker.redrive:READ',
    'GROUP:samsa-processor.checker:READ',
    'TOPIC:checker-dlq:READ',
    'TOPIC:checker-dlq:WRITE',
    'TOPIC:invalid:READ',
    'TOPIC:invalid:WRITE',
    'TOPIC:orders:DESCRIBE',
    'TOPIC:orders:READ',
    'TOPIC:valid:READ',
    'TOPIC:valid:WRITE',
  ]);

  const { db } = await import('../src/server/db.ts');
  const row = await db().processor.findUniqueOrThrow({
    where: { tenantId_name: { tenantId: acmeId, name: 'checker' } },
    include: { activeDeployment: { include: { version: true } }, secrets: true },
  });
  assert.equal(row.activeDeployment?.action, 'CREATE');
  assert.equal(row.activeDeployment?.version.version, 1);
  assert.match(row.activeDeployment?.version.code ?? '', /checked/);
  assert.equal(row.secrets.length, 1);
  assert.ok(!row.secrets[0]!.ciphertext.includes(SECRET_VALUE), 'the secret is stored sealed');

  const again = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: tenantAdmin,
    body: createBody('checker'),
  });
  assert.equal(again.status, 409, JSON.stringify(again.body));
});

test('secrets never come back: not in reads, versions, lists or the audit log', async () => {
  const reads = await Promise.all([
    call('/tenants/{tenant}/processors', 'GET', T, { token: member }),
    call('/tenants/{tenant}/processors/{name}', 'GET', P('checker'), { token: member }),
    call('/tenants/{tenant}/processors/{name}/versions', 'GET', P('checker'), { token: member }),
    call('/tenants/{tenant}/processors/{name}/versions/{v}', 'GET', { ...P('checker'), v: '1' }, { token: member }),
  ]);
  for (const r of reads) {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(!JSON.stringify(r.body).includes(SECRET_VALUE));
  }
  const { db } = await import('../src/server/db.ts');
  const entries = await db().auditLog.findMany({ where: { action: { startsWith: 'processor.' } } });
  assert.ok(entries.some((e) => e.action === 'processor.create' && e.targetId === 'checker'));
  assert.ok(
    !JSON.stringify(entries, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(SECRET_VALUE),
    'the audit log never holds a secret value',
  );
});

test('update is version 2 with new bindings; secrets set to null go; rollback and redeploy', async () => {
  const update = await call('/tenants/{tenant}/processors/{name}', 'PUT', P('checker'), {
    token: tenantAdmin,
    body: {
      input: 'orders',
      outputs: ['valid', 'audit-trail'],
      source: 'export default (record: { value: string }) => ({ topic: "audit-trail", value: record.value });\n',
      language: 'typescript',
      onError: 'skip',
      secrets: { API_TOKEN: null, OTHER: 'x' },
      comment: 'to the audit trail',
    },
  });
  assert.equal(update.status, 200, JSON.stringify(update.body));
  assert.equal(update.body.version.version, 2);
  assert.equal(update.body.version.language, 'typescript');
  assert.deepEqual(update.body.version.secretNames, ['OTHER']);
  assert.equal(update.body.dlqTopic, null, 'policy skip has no DLQ');
  assert.deepEqual(update.body.activeDeployment.startFrom, { kind: 'committed' });
  const acls = await aclsOf('checker');
  assert.ok(acls.includes('TOPIC:audit-trail:WRITE'));
  assert.ok(!acls.some((a) => a.startsWith('TOPIC:invalid:')), 'the bindings for the dropped output are removed');
  assert.ok(!acls.some((a) => a.includes('checker-dlq')), 'no DLQ bindings without a DLQ');

  const clash = await call('/tenants/{tenant}/processors/{name}', 'PUT', P('checker'), {
    token: tenantAdmin,
    body: { input: 'orders', outputs: ['valid'], source: MAP_SOURCE, language: 'javascript', env: { OTHER: 'plain' } },
  });
  assert.equal(clash.status, 400, JSON.stringify(clash.body));
  assert.match(clash.body.error.message, /OTHER is already a secret of 'checker'/);

  const rollback = await call('/tenants/{tenant}/processors/{name}/rollback', 'POST', P('checker'), {
    token: tenantAdmin,
    body: {},
  });
  assert.equal(rollback.status, 200, JSON.stringify(rollback.body));
  assert.equal(rollback.body.version.version, 1);
  assert.equal(rollback.body.activeDeployment.action, 'rollback');
  assert.ok((await aclsOf('checker')).includes('TOPIC:invalid:WRITE'), "version 1's bindings are back");

  const replay = await call('/tenants/{tenant}/processors/{name}/deploy', 'POST', P('checker'), {
    token: tenantAdmin,
    body: { version: 2, from: { kind: 'timestamp', timestampMs: 1_700_000_000_000 } },
  });
  assert.equal(replay.status, 200, JSON.stringify(replay.body));
  assert.equal(replay.body.version.version, 2);
  const missing = await call('/tenants/{tenant}/processors/{name}/deploy', 'POST', P('checker'), {
    token: tenantAdmin,
    body: { version: 9, from: { kind: 'earliest' } },
  });
  assert.equal(missing.status, 404);

  const history = await call('/tenants/{tenant}/processors/{name}/versions', 'GET', P('checker'), { token: member });
  assert.deepEqual(
    history.body.deployments.map((d: any) => [d.action, d.version]),
    [
      ['redeploy', 2],
      ['rollback', 1],
      ['update', 2],
      ['create', 1],
    ],
  );
  assert.deepEqual(
    history.body.versions.map((v: any) => [v.version, v.deployedAt.length, v.errorPolicy]),
    [
      [2, 2, 'skip'],
      [1, 2, 'dlq'],
    ],
  );
  // Back to version 1 for the tests below.
  const back = await call('/tenants/{tenant}/processors/{name}/rollback', 'POST', P('checker'), {
    token: tenantAdmin,
    body: { version: 1 },
  });
  assert.equal(back.body.version.version, 1);
});

test('test runs on pasted records and on the newest real records write nothing', async () => {
  const pasted = await call('/tenants/{tenant}/processors/{name}/test-run', 'POST', P('checker'), {
    token: tenantAdmin,
    body: {
      records: [
        { key: 'a', value: '{"id":1,"amount":5}' },
        { key: 'b', value: { id: 2, amount: -1 } },
      ],
    },
  });
  assert.equal(pasted.status, 200, JSON.stringify(pasted.body));
  assert.equal(pasted.body.results.length, 2);
  assert.deepEqual(pasted.body.summary.outputsByTopic, { valid: 1, invalid: 1 });
  assert.equal(pasted.body.results[0].outputs[0].topic, 'valid');
  assert.deepEqual(JSON.parse(pasted.body.results[0].outputs[0].value.data), { id: 1, amount: 5, checked: true });
  assert.deepEqual(pasted.body.results[0].outputs[0].key, { encoding: 'text', data: 'a' }, 'the key is kept');
  assert.equal(pasted.body.results[1].outputs[0].topic, 'invalid');
  assert.ok(pasted.body.results[0].logs.length >= 1, 'ctx.log lines come back');

  for (const [i, amount] of [10, 20, -30].entries()) {
    const produced = await call(
      '/tenants/{tenant}/topics/{topic}/messages',
      'POST',
      { tenant: 'acme', topic: 'orders' },
      {
        token: tenantAdmin,
        body: { partition: i % 2, key: `k${i}`, value: JSON.stringify({ id: i, amount }) },
      },
    );
    assert.equal(produced.status, 200, JSON.stringify(produced.body));
  }
  const real = await call('/tenants/{tenant}/processors/{name}/test-run', 'POST', P('checker'), {
    token: tenantAdmin,
    body: { lastN: 2 },
  });
  assert.equal(real.status, 200, JSON.stringify(real.body));
  assert.equal(real.body.results.length, 2);
  assert.deepEqual(
    real.body.results.map((r: any) => JSON.parse(r.outputs[0].value.data).id),
    [1, 2],
    'the two newest records, oldest first',
  );
  assert.deepEqual(real.body.summary.outputsByTopic, { valid: 1, invalid: 1 });

  // A processor not created yet can be tried with the code being written.
  const draft = await call('/tenants/{tenant}/processors/{name}/test-run', 'POST', P('draft'), {
    token: tenantAdmin,
    body: {
      input: 'orders',
      outputs: ['valid'],
      source: 'export default function (r) { return null; }',
      language: 'javascript',
      lastN: 3,
    },
  });
  assert.equal(draft.status, 200, JSON.stringify(draft.body));
  assert.equal(draft.body.summary.dropped, 3);
  const bad = await call('/tenants/{tenant}/processors/{name}/test-run', 'POST', P('draft'), {
    token: tenantAdmin,
    body: { source: 'export default function (r) {', outputs: ['valid'], records: [{ value: 'x' }] },
  });
  assert.equal(bad.status, 422, JSON.stringify(bad.body));

  const loop = await call('/tenants/{tenant}/processors/{name}/test-run', 'POST', P('draft'), {
    token: tenantAdmin,
    body: {
      source: 'export default function (r) { while (true) {} }',
      outputs: ['valid'],
      records: [{ value: 'x' }],
    },
  });
  assert.equal(loop.status, 200, JSON.stringify(loop.body));
  assert.equal(loop.body.results[0].error.kind, 'timeout', 'an endless loop is stopped and shown as the error');

  for (const topic of ['valid', 'invalid', 'audit-trail', 'checker-dlq']) {
    assert.equal(await messagesIn(topic), 0, `nothing was written to ${topic}`);
  }
});

test('members read but cannot change; another tenant sees nothing', async () => {
  const read = await call('/tenants/{tenant}/processors/{name}', 'GET', P('checker'), { token: member });
  assert.equal(read.status, 200);
  for (const [path, method, body] of [
    ['/tenants/{tenant}/processors/{name}/pause', 'POST', undefined],
    ['/tenants/{tenant}/processors/{name}', 'DELETE', undefined],
    ['/tenants/{tenant}/processors/{name}/test-run', 'POST', { lastN: 1 }],
  ] as const) {
    const res = await call(path, method, P('checker'), { token: member, body });
    assert.equal(res.status, 403, `${method} ${path}`);
  }
  const list = await call('/tenants/{tenant}/processors', 'GET', T, { token: outsider });
  assert.equal(list.status, 404);
  const detail = await call('/tenants/{tenant}/processors/{name}', 'GET', P('checker'), { token: outsider });
  assert.equal(detail.status, 404);
  assert.ok(!JSON.stringify(detail.body).includes('orders'));
});

test('pause, resume, logs, metrics and a DLQ re-drive request', async () => {
  const paused = await call('/tenants/{tenant}/processors/{name}/pause', 'POST', P('checker'), { token: tenantAdmin });
  assert.equal(paused.status, 200, JSON.stringify(paused.body));
  assert.equal(paused.body.desiredState, 'PAUSED');
  const resumed = await call('/tenants/{tenant}/processors/{name}/resume', 'POST', P('checker'), {
    token: tenantAdmin,
  });
  assert.equal(resumed.body.desiredState, 'RUNNING');

  // What a processor host writes: log lines, a live instance and a metric sample.
  const { db } = await import('../src/server/db.ts');
  const p = await db().processor.findUniqueOrThrow({ where: { tenantId_name: { tenantId: acmeId, name: 'checker' } } });
  for (let i = 0; i < 5; i++) {
    await db().processorLog.create({
      data: {
        processorId: p.id,
        level: i === 4 ? 'ERROR' : 'INFO',
        message: `line ${i}`,
        version: 1,
        partition: 0,
        offset: BigInt(i),
      },
    });
  }
  await db().processorInstance.create({
    data: {
      processorId: p.id,
      hostId: 'host-1',
      partitions: [0, 1],
      stats: {
        recordsPerSecIn: 12.5,
        recordsPerSecOut: 10,
        errorsPerSec: 0.5,
        lagRecords: 7,
        inRecords: 100,
        p99Ms: 3,
      },
      heartbeatAt: new Date(),
    },
  });
  await db().processorMetricSample.create({
    data: {
      processorId: p.id,
      at: new Date(),
      inPerSec: 12.5,
      outPerSec: 10,
      errorPerSec: 0.5,
      dropRatio: 0.2,
      lagRecords: 7n,
      cpuMsPerSec: 4,
      memoryBytes: 1_000_000n,
    },
  });
  const newest = await call('/tenants/{tenant}/processors/{name}/logs', 'GET', P('checker'), {
    token: member,
    query: { limit: '2' },
  });
  assert.deepEqual(
    newest.body.logs.map((l: any) => [l.message, l.level]),
    [
      ['line 3', 'info'],
      ['line 4', 'error'],
    ],
  );
  const after = await call('/tenants/{tenant}/processors/{name}/logs', 'GET', P('checker'), {
    token: member,
    query: { after: String(newest.body.logs[0].id) },
  });
  assert.deepEqual(
    after.body.logs.map((l: any) => l.message),
    ['line 4'],
  );
  const metrics = await call('/tenants/{tenant}/processors/{name}/metrics', 'GET', P('checker'), {
    token: member,
    query: { window: '15m' },
  });
  assert.equal(metrics.status, 200, JSON.stringify(metrics.body));
  assert.equal(metrics.body.series.length, 1);
  assert.equal(metrics.body.series[0].lagRecords, 7);
  assert.equal(metrics.body.current.recordsPerSecIn, 12.5);
  const list = await call('/tenants/{tenant}/processors', 'GET', T, { token: member });
  const row = list.body.processors.find((x: any) => x.name === 'checker');
  assert.deepEqual([row.lagRecords, row.inPerSec, row.outPerSec, row.errorPerSec], [7, 12.5, 10, 0.5]);
  const badWindow = await call('/tenants/{tenant}/processors/{name}/metrics', 'GET', P('checker'), {
    token: member,
    query: { window: '2y' },
  });
  assert.equal(badWindow.status, 400);

  const redrive = await call('/tenants/{tenant}/processors/{name}/dlq/redrive', 'POST', P('checker'), {
    token: tenantAdmin,
  });
  assert.equal(redrive.status, 202, JSON.stringify(redrive.body));
  assert.ok(await db().processorRedrive.findUnique({ where: { id: redrive.body.redriveId } }));
  const twice = await call('/tenants/{tenant}/processors/{name}/dlq/redrive', 'POST', P('checker'), {
    token: tenantAdmin,
  });
  assert.equal(twice.status, 409, 'one re-drive at a time');
});

test('the processor quota refuses one too many, saying what to do', async () => {
  const second = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: tenantAdmin,
    body: createBody('second', { onError: 'stop', secrets: {} }),
  });
  assert.equal(second.status, 201, JSON.stringify(second.body));
  const third = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: tenantAdmin,
    body: createBody('third'),
  });
  assert.equal(third.status, 422, JSON.stringify(third.body));
  assert.equal(third.body.error.code, 'quota_exceeded');
  assert.match(third.body.error.message, /may have 2 processors and has 2; delete one/);
  const tooSmall = await call('/tenants/{tenant}/quota', 'PUT', T, {
    token: hub.admin,
    body: { processorMemoryMb: 4 },
  });
  assert.equal(tooSmall.status, 400, 'a sandbox needs at least 8 MiB');
  const raised = await call('/tenants/{tenant}/quota', 'PUT', T, {
    token: hub.admin,
    body: { maxProcessors: 3, processorMemoryMb: 128, processorCpuMsPerSec: 250 },
  });
  assert.equal(raised.status, 200, JSON.stringify(raised.body));
  const detail = await call('/tenants/{tenant}/processors/{name}', 'GET', P('second'), { token: member });
  assert.deepEqual(
    detail.body.limits,
    { memoryMb: 128, cpuMsPerSec: 250 },
    "the tenant's quota is the processor's limits",
  );
  const third2 = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: tenantAdmin,
    body: createBody('third', { onError: 'skip' }),
  });
  assert.equal(third2.status, 201, `room after the quota was raised: ${JSON.stringify(third2.body)}`);
  for (const name of ['second', 'third']) {
    const del = await call('/tenants/{tenant}/processors/{name}', 'DELETE', P(name), { token: tenantAdmin });
    assert.equal(del.status, 204);
  }
});

test('delete removes the rows, the ACL bindings and the consumer group; the DLQ topic stays', async () => {
  const { Admin } = await import('@platformatic/kafka');
  const kafkaAdmin = new Admin({
    clientId: 'test',
    bootstrapBrokers: [hub.broker.bootstrap],
    sasl: { mechanism: 'SCRAM-SHA-512', ...SUPERUSER },
  });
  const { clusterAdmin } = await import('../src/features/cluster/cluster-admin.ts');
  try {
    // The offsets a processor host would have committed in the processor's group.
    await kafkaAdmin.alterConsumerGroupOffsets({
      groupId: 'acme.samsa-processor.checker',
      topics: [{ name: 'acme.orders', partitionOffsets: [{ partition: 0, offset: 1n }] }],
    });
  } finally {
    await kafkaAdmin.close();
  }
  await eventually(
    async () =>
      (await clusterAdmin().groupsWithPrefix('acme.samsa-processor.')).includes('acme.samsa-processor.checker'),
    'the group holds offsets',
  );
  const del = await call('/tenants/{tenant}/processors/{name}', 'DELETE', P('checker'), { token: tenantAdmin });
  assert.equal(del.status, 204, JSON.stringify(del.body));
  assert.deepEqual(await clusterAdmin().groupsWithPrefix('acme.samsa-processor.'), []);
  assert.deepEqual(await aclsOf('checker'), []);
  const { db } = await import('../src/server/db.ts');
  assert.equal(await db().processor.count({ where: { tenantId: acmeId } }), 0);
  assert.equal(await db().processorVersion.count(), 0, 'versions went with it');
  assert.equal(await db().processorLog.count(), 0, 'logs went with it');
  assert.equal(await db().processorSecret.count(), 0, 'secrets went with it');
  assert.ok((await topicNames()).includes('checker-dlq'), "the DLQ topic is the tenant's data and stays");
  const gone = await call('/tenants/{tenant}/processors/{name}', 'GET', P('checker'), { token: tenantAdmin });
  assert.equal(gone.status, 404);
  const audit = await db().auditLog.findFirst({ where: { action: 'processor.delete', targetId: 'checker' } });
  assert.ok(audit, 'the delete is audited');
});

test('deleting the tenant removes its processors and counts them', async () => {
  const created = await call('/tenants/{tenant}/processors', 'POST', T, {
    token: tenantAdmin,
    body: createBody('last-one', { onError: 'skip' }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const deletion = await call('/tenants/{tenant}', 'DELETE', T, { token: hub.admin });
  assert.equal(deletion.status, 202, JSON.stringify(deletion.body));
  let removed: any;
  await eventually(
    async () => {
      const res = await call('/tenant-deletions', 'GET', {}, { token: hub.admin });
      const d = res.body.find((x: { id: string }) => x.id === deletion.body.id);
      removed = d?.removed;
      return d?.state === 'deleted';
    },
    'the tenant deletion finishes',
    30_000,
  );
  assert.equal(removed.processors, 1);
  const { db } = await import('../src/server/db.ts');
  assert.equal(await db().processor.count(), 0);
  assert.equal(await db().aclBinding.count({ where: { principal: 'User:processor:last-one' } }), 0);
});

test('the OpenAPI document lists every processor operation with its schemas', async () => {
  const { openApiDocument } = await import('../src/api/openapi.ts');
  const paths = openApiDocument().paths as Record<string, Record<string, any>>;
  const create = paths['/api/v1/tenants/{tenant}/processors']?.post;
  assert.ok(create?.requestBody.content['application/json'].schema.properties.source, 'create has its body schema');
  for (const p of ['test-run', 'pause', 'resume', 'rollback', 'deploy', 'dlq/redrive']) {
    assert.ok(paths[`/api/v1/tenants/{tenant}/processors/{name}/${p}`]?.post, p);
  }
  for (const p of ['versions', 'versions/{v}', 'logs', 'metrics']) {
    assert.ok(paths[`/api/v1/tenants/{tenant}/processors/{name}/${p}`]?.get, p);
  }
  const quota = paths['/api/v1/tenants/{tenant}/quota']?.put.requestBody.content['application/json'].schema;
  for (const field of ['maxProcessors', 'processorMemoryMb', 'processorCpuMsPerSec']) {
    assert.ok(quota.properties[field], `the quota API carries ${field}`);
  }
});

test('test runs are bounded per tenant: beyond the slots a clear 429, and a slot frees when its run ends', async () => {
  const { withTestRunSlot } = await import('../src/features/processors/test-run.ts');
  let release!: () => void;
  const held = withTestRunSlot('tenant-x', 1, () => new Promise<void>((r) => (release = r)));
  await assert.rejects(
    withTestRunSlot('tenant-x', 1, async () => 'ran'),
    (err: any) =>
      err.code === 'rate_limited' && /at most 1 at once/.test(err.message) && err.headers['retry-after'] === '1',
  );
  assert.equal(await withTestRunSlot('tenant-y', 1, async () => 'other tenant'), 'other tenant');
  release();
  await held;
  assert.equal(await withTestRunSlot('tenant-x', 1, async () => 'ran'), 'ran');
  await assert.rejects(
    withTestRunSlot('tenant-x', 1, async () => {
      throw new Error('sandbox failed');
    }),
    /sandbox failed/,
  );
  assert.equal(await withTestRunSlot('tenant-x', 1, async () => 'freed after a failure'), 'freed after a failure');
});
