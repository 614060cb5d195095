/** The table of `samsa` subcommands. Each command lives in its own module. */
import { broker } from './broker.ts';
import { group } from './group.ts';
import { start } from './start.ts';
import type { Command } from './types.ts';

export const commands: Record<string, Command> = {
  broker,
  group,
  start,
};
