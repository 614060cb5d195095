/**
 * Builds the console once before the e2e files run two at a time: each file's `samsa start` would otherwise find no
 * (or a stale) build and two builds would write one `.next` directory at once.
 */
import { buildConsole, CONSOLE_DIR, consoleBuildIsStale } from '@samsa/cli/console-build';

if (consoleBuildIsStale(CONSOLE_DIR)) {
  process.stdout.write('e2e: building the console once for every test file…\n');
  await buildConsole(process.env);
}
