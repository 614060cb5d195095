/** Test support: waiting for something the broker does asynchronously (a log line read from its stdout, a state). */
import assert from 'node:assert/strict';

/** Polls `check` until it holds, failing the test with `what` after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/**
 * Waits for a broker log line containing every one of `texts`: the broker writes it before it answers, but the test
 * reads its stdout through a pipe, so on a busy machine the line can arrive after the response.
 */
export async function logged(broker: { logs: string[] }, ...texts: string[]): Promise<void> {
  await eventually(
    () => broker.logs.some((l) => texts.every((t) => l.includes(t))),
    `a broker log line with ${texts.map((t) => `'${t}'`).join(' and ')}`,
  );
}
