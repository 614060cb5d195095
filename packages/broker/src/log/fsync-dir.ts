/** Makes a directory's entries (new or renamed files) durable, so a rename survives a power loss, not only kill -9. */
import { open } from 'node:fs/promises';
import type { LogLogger } from './logger.ts';

/** Best effort where the platform refuses (logged). */
export async function fsyncDir(dir: string, logger: LogLogger): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    logger.warn({ dir, err: (err as Error).message }, 'directory fsync failed');
  }
}
