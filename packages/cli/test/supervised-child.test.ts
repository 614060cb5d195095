/**
 * The supervision `samsa start` gives the processor host, with real child processes: a child that exits or is
 * killed (kill -9) is started again after a backoff that doubles up to its cap, with a log line per restart; a
 * stable run starts the backoff over; stop() ends the restarts and the child, with SIGKILL when SIGTERM is ignored.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually } from '@samsa/test-support/eventually';
import { type RestartPolicy, restartBackoffMs, SupervisedChild } from '../src/commands/supervised-child.ts';

const POLICY: RestartPolicy = { minBackoffMs: 20, maxBackoffMs: 80, stableAfterMs: 60_000 };

function supervise(script: string, policy: RestartPolicy, stopTimeoutMs = 5_000) {
  const lines: string[] = [];
  const child = new SupervisedChild({
    name: 'test child',
    command: process.execPath,
    args: ['-e', script],
    spawnOptions: { stdio: 'ignore' },
    policy,
    log: (line) => void lines.push(line),
    stopTimeoutMs,
  });
  return { child, lines };
}

test('the backoff doubles from its minimum to its cap and starts over after a stable run', () => {
  assert.equal(restartBackoffMs(POLICY, null, 5), 20, 'the first restart waits the minimum');
  assert.equal(restartBackoffMs(POLICY, 20, 5), 40);
  assert.equal(restartBackoffMs(POLICY, 40, 5), 80);
  assert.equal(restartBackoffMs(POLICY, 80, 5), 80, 'capped');
  assert.equal(restartBackoffMs(POLICY, 80, 60_000), 20, 'a minute up is stable: back to the minimum');
});

test('a child that keeps crashing is restarted with a growing backoff and a log line per restart', async () => {
  const { child, lines } = supervise('process.exit(3)', POLICY);
  child.start();
  try {
    await eventually(() => child.restarts >= 4, 'four restarts');
  } finally {
    await child.stop();
  }
  assert.match(lines[0]!, /^test child exited with code 3 after \d+ ms; restart 1 in 20 ms$/);
  assert.match(lines[1]!, /restart 2 in 40 ms$/);
  assert.match(lines[2]!, /restart 3 in 80 ms$/);
  assert.match(lines[3]!, /restart 4 in 80 ms$/);
  assert.equal(child.pid, null, 'stopped: no child runs');
});

test('a child killed with SIGKILL comes back as a new process; a stable child restarts after the minimum', async () => {
  const { child, lines } = supervise('setInterval(() => {}, 1000)', { ...POLICY, stableAfterMs: 0 });
  child.start();
  try {
    const pids: number[] = [];
    for (let i = 0; i < 3; i++) {
      await eventually(() => child.pid !== null && !pids.includes(child.pid), `child ${i + 1} running`);
      pids.push(child.pid!);
      process.kill(child.pid!, 'SIGKILL');
    }
    await eventually(() => child.pid !== null && !pids.includes(child.pid), 'the child running again');
    assert.equal(new Set(pids).size, 3);
  } finally {
    await child.stop();
  }
  assert.equal(lines.length, 3);
  for (const [i, line] of lines.entries()) {
    assert.match(line, new RegExp(`^test child was killed by SIGKILL after \\d+ ms; restart ${i + 1} in 20 ms$`));
  }
});

test('stop() kills a child that ignores SIGTERM once the stop timeout has passed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-supervised-'));
  const ready = join(dir, 'ready');
  try {
    const { child } = supervise(
      `process.on('SIGTERM', () => {}); require('node:fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 1000)`,
      POLICY,
      200,
    );
    child.start();
    await eventually(() => existsSync(ready), 'the child to ignore SIGTERM');
    const pid = child.pid!;
    await child.stop();
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the child is gone');
    assert.equal(child.restarts, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
