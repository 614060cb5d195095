#!/usr/bin/env node
// Entry point of the `samsa` command. Node >= 22.18 runs the TypeScript sources directly (type stripping).
import { main } from '../src/main.ts';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`samsa: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
