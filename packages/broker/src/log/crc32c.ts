/**
 * CRC-32C for the broker's hot paths (validating every produced batch, recovery scans): the CPU's CRC32 instruction
 * through @node-rs/crc32 (about 6 GB/s here) when its prebuilt binary loads on this platform, else the protocol's
 * table-driven JavaScript (about 1 GB/s). Both give the same checksum; a test holds them to it.
 */
import { createRequire } from 'node:module';
import type { Crc32cFunction } from '@samsa/protocol';

type NativeCrc32c = (input: Buffer, initialState?: number) => number;

function loadNative(): NativeCrc32c | null {
  try {
    const mod = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: NativeCrc32c };
    return mod.crc32c;
  } catch {
    // No prebuilt binary for this platform: the JavaScript one is correct, only slower.
    return null;
  }
}

const native = loadNative();

/** Which implementation this process uses; logged at start-up. */
export const crc32cImplementation: 'native' | 'javascript' = native ? 'native' : 'javascript';

/** The fastest CRC-32C available, or undefined to let the protocol use its own. */
export const fastCrc32c: Crc32cFunction | undefined = native ? (bytes) => native(bytes) : undefined;
