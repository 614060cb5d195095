/**
 * The console's production build: where it is, whether it is older than its sources, and building it. `samsa start`
 * builds when needed; the e2e suite builds once before its files run side by side (two builds into one `.next`
 * would collide).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

export const CONSOLE_DIR = resolve(import.meta.dirname, '../../../apps/console');

/** Newest modification time (ms) of the sources a console build depends on. */
function newestSourceMtime(dirs: string[]): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === '.next' || e.name === 'generated' || e.name.startsWith('.')) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return newest;
}

/** A build is needed when there is none or when a source file changed after it (e.g. after `git pull`). */
export function consoleBuildIsStale(consoleDir: string): boolean {
  const buildId = join(consoleDir, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return true;
  const sources = [
    join(consoleDir, 'src'),
    join(consoleDir, 'package.json'),
    join(consoleDir, 'next.config.ts'),
    // Every workspace package the console imports (its package.json's @samsa/ dependencies).
    resolve(consoleDir, '../../packages/cluster/src'),
    resolve(consoleDir, '../../packages/db/src'),
    resolve(consoleDir, '../../packages/lag/src'),
    resolve(consoleDir, '../../packages/processors/src'),
    resolve(consoleDir, '../../packages/schema-registry/src'),
    resolve(consoleDir, '../../packages/search/src'),
  ];
  const files = sources.filter((s) => existsSync(s) && statSync(s).isFile());
  const newest = Math.max(
    newestSourceMtime(sources.filter((s) => !files.includes(s))),
    ...files.map((f) => statSync(f).mtimeMs),
  );
  return newest > statSync(buildId).mtimeMs;
}

/** Runs `next build` in the console's directory with `env` (NODE_ENV=production); throws when it fails. */
export async function buildConsole(env: NodeJS.ProcessEnv): Promise<void> {
  const nextBin = createRequire(join(CONSOLE_DIR, 'package.json')).resolve('next/dist/bin/next');
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, [nextBin, 'build'], {
      cwd: CONSOLE_DIR,
      env: { NEXT_TELEMETRY_DISABLED: '1', ...env, NODE_ENV: 'production' },
      stdio: 'inherit',
    });
    child.on('exit', (c) => done(c ?? 1));
  });
  if (code !== 0) throw new Error(`console build failed with code ${code}`);
}
