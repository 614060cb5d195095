/**
 * `samsa processors` as a process: bad configuration exits 2 naming every problem (and no secret); against a real
 * broker and database it starts a processor host, logs with pino, and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { createTestDatabase } from '@samsa/db/testing';
import { SAMSA_BIN, startBroker } from '@samsa/test-support/broker-process';
import { eventually } from '@samsa/test-support/eventually';
import { runSamsa } from '@samsa/test-support/samsa-cli';

test('bad configuration: exit 2 with every problem named, nothing started', async () => {
  const r = await runSamsa(['processors', '--bootstrap', 'nowhere'], {
    DATABASE_URL: '',
    SAMSA_SUPERUSER_PASSWORD: '',
    SAMSA_DATA_DIR: '/nonexistent',
    SAMSA_SECRETS_KEY: 'tiny',
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /samsa processors: DATABASE_URL is not set/);
  assert.match(r.stderr, /samsa processors: no superuser password/);
  assert.match(r.stderr, /samsa processors: --bootstrap \/ SAMSA_BROKER_BOOTSTRAP: expected HOST:PORT/);
  assert.match(r.stderr, /samsa processors: SAMSA_SECRETS_KEY must be 32 bytes/);
});

test('it runs a processor host against a real broker and database and stops cleanly on SIGTERM', async () => {
  const db = await createTestDatabase();
  const broker = await startBroker({
    args: ['--database-url', db.url],
    env: { SAMSA_SUPERUSER_PASSWORD: 'processors-command-test' },
  });
  try {
    const host = spawn(process.execPath, [SAMSA_BIN, 'processors', '--bootstrap', broker.bootstrap], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        SAMSA_SUPERUSER_PASSWORD: 'processors-command-test',
        SAMSA_DATA_DIR: '/nonexistent',
        SAMSA_SECRETS_KEY: '',
      },
    });
    const lines: Record<string, unknown>[] = [];
    let text = '';
    host.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
        lines.push(JSON.parse(text.slice(0, nl)));
        text = text.slice(nl + 1);
      }
    });
    let stderr = '';
    host.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const exited = new Promise<number | null>((r) => host.once('exit', (code) => r(code)));
    await eventually(() => lines.some((l) => l.msg === 'processor host started'), `the host to start (${stderr})`);
    const starting = lines.find((l) => l.msg === 'starting the processor host')!;
    assert.equal(starting.svc, 'processors');
    assert.match(String(starting.secretsKey), /none: processors with secrets will not start/);
    assert.ok(!JSON.stringify(lines).includes('processors-command-test'), 'the password is never logged');
    host.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.ok(lines.some((l) => l.msg === 'processor host stopped'));
    assert.ok(lines.some((l) => l.msg === 'exiting' && l.clean === true));
  } finally {
    await broker.cleanup();
    await db.drop();
  }
});
