/**
 * Phases that are another package's own bench (`processors`: @samsa/processors; `scale-out`: @samsa/gateway), run as
 * a separate script through pnpm, by package name, so the broker does not depend on those packages. The script
 * writes its figures, with its printed table under `table`, to a JSON file; they land in latest.json under the
 * phase's key and the table is printed with the others.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchSettings } from './phase.ts';
import type { BenchResults } from './report.ts';

/** Runs `pnpm --filter <pkg> bench --seconds S --json <resultsFile>`; its figures, or null (with a note) on failure. */
export async function runPackageBench(
  pkg: string,
  settings: BenchSettings,
  resultsFile: string,
  results: BenchResults,
): Promise<({ table: string } & Record<string, unknown>) | null> {
  mkdirSync(dirname(resultsFile), { recursive: true });
  rmSync(resultsFile, { force: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      'pnpm',
      [
        '--filter',
        pkg,
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
    results.notes.push(`${pkg}: its bench failed (exit ${code}); see its output above`);
    return null;
  }
  return JSON.parse(readFileSync(resultsFile, 'utf8')) as { table: string } & Record<string, unknown>;
}
