/**
 * The processor host as `samsa start` runs it, against a real broker and database: the real `samsa processors`
 * process, killed with SIGKILL, is started again (a line says so) and the new host signs in and runs; stopping the
 * supervision stops the host. The host is given the schema registry's URL.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { createTestDatabase } from '@samsa/db/testing';
import { startBroker } from '@samsa/test-support/broker-process';
import { eventually } from '@samsa/test-support/eventually';
import { processorHostSupervisor } from '../src/commands/start.ts';

const PASSWORD = 'start-processor-host-test';

test('samsa start restarts a processor host killed with SIGKILL', async () => {
  const db = await createTestDatabase();
  const broker = await startBroker({ args: ['--database-url', db.url], env: { SAMSA_SUPERUSER_PASSWORD: PASSWORD } });
  const lines: string[] = [];
  /** Each host process with the pino messages it printed. */
  const hosts: Array<{ child: ChildProcess; messages: string[]; schemaRegistry?: string }> = [];
  const supervisor = processorHostSupervisor(
    {
      databaseUrl: db.url,
      bootstrap: broker.bootstrap,
      superuser: { name: 'admin', password: PASSWORD },
      secretsKey: Buffer.alloc(32, 1).toString('base64'),
      schemaRegistryUrl: 'http://127.0.0.1:18081',
    },
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
      log: (line) => void lines.push(line),
      policy: { minBackoffMs: 50, maxBackoffMs: 200, stableAfterMs: 60_000 },
      onSpawn: (child) => {
        const host: (typeof hosts)[number] = { child, messages: [] };
        hosts.push(host);
        child.stdout!.on('data', (chunk: Buffer) => {
          for (const line of chunk.toString().split('\n')) {
            if (!line.startsWith('{')) continue;
            const entry = JSON.parse(line);
            host.messages.push(entry.msg);
            if (entry.msg === 'processor host started') host.schemaRegistry = entry.schemaRegistry;
          }
        });
      },
    },
  );
  try {
    supervisor.start();
    await eventually(() => hosts[0]?.messages.includes('processor host started') === true, 'the first host running');
    assert.equal(hosts[0]!.schemaRegistry, 'http://127.0.0.1:18081', 'the host is given the schema registry');
    hosts[0]!.child.kill('SIGKILL');
    await eventually(() => hosts[1]?.messages.includes('processor host started') === true, 'a new host running');
    assert.equal(supervisor.restarts, 1);
    assert.match(lines[0]!, /^processor host was killed by SIGKILL after \d+ ms; restart 1 in 50 ms$/);
    const second = hosts[1]!.child;
    await supervisor.stop();
    assert.equal(second.signalCode ?? second.exitCode, 0, 'the host stopped cleanly on SIGTERM');
    assert.ok(hosts[1]!.messages.includes('processor host stopped'));
    assert.equal(hosts.length, 2, 'no restart after stop');
  } finally {
    await supervisor.stop();
    await broker.cleanup();
    await db.drop();
  }
});
