/**
 * The log cleaner's key map, after Kafka's SkimpyOffsetMap: each key is hashed (MD5, 16 bytes) into a fixed-size
 * entry of 24 bytes (hash + offset) in one preallocated buffer with open addressing, so its memory is exactly what
 * its budget says whatever the keys look like. Two keys with the same hash count as one (as in Kafka): with 128-bit
 * hashes that is vanishingly rare, and the cost would be an older record of one key dropped in favour of the other.
 */
import { createHash } from 'node:crypto';

export const KEY_MAP_ENTRY_BYTES = 24;
const HASH_BYTES = 16;
/** Kafka's log.cleaner.io.buffer.load.factor: the map counts as full at this share of its slots. */
const LOAD_FACTOR = 0.9;

export class KeyOffsetMap {
  private readonly buf: Buffer;
  private readonly slots: number;
  /** Keys the map accepts before it is full. */
  readonly maxEntries: number;
  size = 0;

  /** `memoryBytes` is the budget; the table takes at most that, and less when `expectedKeys` needs less. */
  constructor(memoryBytes: number, expectedKeys: number) {
    const budgetSlots = Math.floor(memoryBytes / KEY_MAP_ENTRY_BYTES);
    const wanted = Math.ceil(Math.max(16, expectedKeys) / LOAD_FACTOR) + 1;
    this.slots = Math.max(2, Math.min(budgetSlots, wanted));
    this.maxEntries = Math.max(1, Math.floor(this.slots * LOAD_FACTOR));
    this.buf = Buffer.alloc(this.slots * KEY_MAP_ENTRY_BYTES);
  }

  get memoryBytes(): number {
    return this.buf.length;
  }

  get full(): boolean {
    return this.size >= this.maxEntries;
  }

  static hash(key: Buffer): Buffer {
    return createHash('md5').update(key).digest();
  }

  /** Records `offset` as the latest offset of the key with this hash; the map must not be full for a new key. */
  put(hash: Buffer, offset: number): void {
    let slot = this.find(hash);
    if (slot < 0) {
      if (this.full) throw new Error('key map is full');
      slot = -slot - 1;
      hash.copy(this.buf, slot * KEY_MAP_ENTRY_BYTES, 0, HASH_BYTES);
      this.size += 1;
    }
    // Offsets are stored plus one so that zero marks an empty slot.
    this.buf.writeDoubleBE(offset + 1, slot * KEY_MAP_ENTRY_BYTES + HASH_BYTES);
  }

  /** The latest offset recorded for this hash, or -1. */
  get(hash: Buffer): number {
    const slot = this.find(hash);
    return slot < 0 ? -1 : this.buf.readDoubleBE(slot * KEY_MAP_ENTRY_BYTES + HASH_BYTES) - 1;
  }

  /** The slot holding `hash` (>= 0), or -(free slot + 1) where it would go. */
  private find(hash: Buffer): number {
    let slot = hash.readUInt32BE(0) % this.slots;
    for (let probes = 0; probes < this.slots; probes++) {
      const at = slot * KEY_MAP_ENTRY_BYTES;
      if (this.buf.readDoubleBE(at + HASH_BYTES) === 0) return -slot - 1;
      if (this.buf.compare(hash, 0, HASH_BYTES, at, at + HASH_BYTES) === 0) return slot;
      slot = slot + 1 === this.slots ? 0 : slot + 1;
    }
    throw new Error('key map has no free slot');
  }
}
