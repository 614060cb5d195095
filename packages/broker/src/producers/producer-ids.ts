/**
 * ProducerIdAllocator: hands out unique producer ids across restarts. Ids are reserved in blocks whose upper bound
 * is persisted before any id of the block is used, so a crash can skip ids but never reuse one.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

const BLOCK_SIZE = 1000n;

export class ProducerIdAllocator {
  private next: bigint;
  private reservedUpTo: bigint;
  private readonly path: string;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(path: string, next: bigint) {
    this.path = path;
    this.next = next;
    this.reservedUpTo = next;
  }

  static async open(dataDir: string): Promise<ProducerIdAllocator> {
    const path = join(dataDir, 'producer-ids.json');
    let next = 0n;
    try {
      next = BigInt(JSON.parse(await readFile(path, 'utf8')).reservedUpTo);
    } catch {
      // first start
    }
    return new ProducerIdAllocator(path, next);
  }

  allocate(): Promise<bigint> {
    const run = async () => {
      if (this.next >= this.reservedUpTo) {
        const upTo = this.next + BLOCK_SIZE;
        const tmp = `${this.path}.tmp`;
        const fh = await open(tmp, 'w');
        try {
          await fh.writeFile(JSON.stringify({ reservedUpTo: upTo.toString() }));
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, this.path);
        this.reservedUpTo = upTo;
      }
      return this.next++;
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }
}
