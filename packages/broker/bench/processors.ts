/**
 * The processors phase: runs @samsa/processors' own bench (its sandbox against plain JS, a @platformatic/kafka
 * consume→transform→produce pipe, the processor host) as a separate script through pnpm, by package name, so the
 * broker does not depend on the processors package. Its figures land in latest.json under `processors`, and its
 * table is printed with the others.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchSettings } from './phase.ts';
import type { BenchResults } from './report.ts';

export async function measureProcessors(settings: BenchSettings, resultsFile: string, results: BenchResults) {
  mkdirSync(dirname(resultsFile), { recursive: true });
  rmSync(resultsFile, { force: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      'pnpm',
      [
        '--filter',
        '@samsa/processors',
        '--reporter-hide-prefix',
        'bench',
        '--seconds',
        String(settings.phaseMs / 1000),
        '--json',
        resultsFile,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) {
    results.notes.push(`processors: the bench of @samsa/processors failed (exit ${code}); see its output above`);
    return;
  }
  results.processors = JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults['processors'];
}
