/**
 * Typed errors of the storage layer. A StorageError means the bytes could not be made durable or read back safely
 * (Kafka's KAFKA_STORAGE_ERROR); a CorruptBatchError names the file and position of a batch that fails its checks,
 * so nothing from it is served (CORRUPT_MESSAGE).
 */

/** What went wrong with the disk: no room (retriable once space returns), or a failure that takes a log offline. */
export type StorageFault = 'no_space' | 'fsync' | 'write' | 'offline';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly fault: StorageFault;

  constructor(message: string, fault: StorageFault, options?: { cause?: unknown }) {
    super(message, options);
    this.fault = fault;
  }
}

export class CorruptBatchError extends Error {
  override readonly name = 'CorruptBatchError';
  readonly file: string;
  readonly position: number;
  readonly problem: string;

  constructor(file: string, position: number, problem: string) {
    super(`corrupt batch in ${file} at byte ${position}: ${problem}`);
    this.file = file;
    this.position = position;
    this.problem = problem;
  }
}

/** The filesystem or a quota is full: the write did not happen, and may succeed once space returns. */
export function isNoSpaceError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** An error the operating system gave for a file operation (EIO, ENOSPC, EROFS...), not one of the code's own. */
export function isIoError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

export function errnoCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | null)?.code ?? (err as Error | null)?.message ?? String(err);
}
