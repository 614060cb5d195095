/** Makes a directory's entries (new or renamed files) durable, so a rename survives a power loss, not only kill -9. */
import { open } from 'node:fs/promises';
import type { LogLogger } from './logger.ts';

/** What a platform answers when it cannot fsync a directory at all (or the directory is gone): logged, ignored. */
const UNSUPPORTED = new Set(['ENOENT', 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EPERM', 'EACCES', 'EISDIR', 'EBADF']);

/**
 * Best effort where the platform refuses (logged); a real failure (EIO, ENOSPC) is thrown: the entries may not be
 * durable, and the caller must not report them as if they were.
 */
export async function fsyncDir(dir: string, logger: LogLogger): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (!UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    logger.warn({ dir, err: (err as Error).message }, 'directory fsync failed');
  }
}
