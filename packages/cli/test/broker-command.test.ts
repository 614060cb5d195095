/** The `samsa broker` command as a user runs it: help, configuration errors, env and file config, SIGTERM. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBroker } from '@samsa/test-support/broker-process';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../bin/samsa.js');

function samsa(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

test('samsa --help lists the commands; samsa broker --help documents every option', async () => {
  const help = await samsa(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /broker\s+run the Kafka-compatible broker/);
  const brokerHelp = await samsa(['broker', '--help']);
  assert.equal(brokerHelp.code, 0);
  for (const flag of ['--data-dir', '--listen', '--advertised-listener', '--max-connections', '--log-retention-ms']) {
    assert.ok(brokerHelp.stdout.includes(flag), `documents ${flag}`);
  }
});

test('bad configuration stops the broker with a message naming each problem', async () => {
  const badFlag = await samsa(['broker', '--no-such-flag', '1']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /unknown option --no-such-flag/);
  const badValue = await samsa(['broker', '--listen', 'nowhere', '--max-connections', '-5']);
  assert.equal(badValue.code, 2);
  assert.match(badValue.stderr, /listen: expected HOST:PORT/);
  assert.match(badValue.stderr, /maxConnections/);
  const badEnv = await samsa(['broker'], { SAMSA_DEFAULT_PARTITIONS: 'many' });
  assert.equal(badEnv.code, 2);
  assert.match(badEnv.stderr, /defaultPartitions/);
  const unknownCommand = await samsa(['brokr']);
  assert.equal(unknownCommand.code, 2);
  assert.match(unknownCommand.stderr, /unknown command 'brokr'/);
});

test('configuration from a file and the environment; flags win; SIGTERM shuts down cleanly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-cli-'));
  try {
    const file = join(dir, 'broker.json');
    await writeFile(file, JSON.stringify({ defaultPartitions: 2, advertisedListener: 'kafka.example:1234' }));
    const broker = await startBroker({
      args: ['--config', file, '--advertised-listener', 'flag.example:9999'],
      env: { SAMSA_DEFAULT_PARTITIONS: '4' },
    });
    try {
      const started = broker.logs.map((l) => JSON.parse(l)).find((e) => e.msg === 'broker started');
      assert.equal(started.advertised, 'flag.example:9999', 'flag beats file');
      const health = (await fetch(`http://127.0.0.1:${broker.httpPort}/healthz`).then((r) => r.json())) as {
        status: string;
      };
      assert.equal(health.status, 'ok');
      const ready = await fetch(`http://127.0.0.1:${broker.httpPort}/readyz`);
      assert.equal(ready.status, 200);
      const metrics = await fetch(`http://127.0.0.1:${broker.httpPort}/metrics`).then((r) => r.text());
      assert.match(metrics, /^samsa_connections 0$/m);
      assert.match(metrics, /# TYPE samsa_request_duration_seconds histogram/);
      assert.equal(await broker.stop(), 0, 'SIGTERM exits 0');
      assert.ok(broker.logs.some((l) => l.includes('"msg":"broker stopped"')));
    } finally {
      await broker.cleanup();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
