/**
 * The sends of a processor's partition tasks, gathered: its idempotent producer has one request in flight at a time
 * (@platformatic/kafka sets maxInflights 1 for idempotence), so with several input partitions each task's send
 * would wait for the others' one by one. While a request is in flight, the sends handed over meanwhile gather and
 * then go together in one request (each task's messages keep their order). Each send learns the base offset of every
 * partition the request wrote: a lower bound of its own outputs there, which is what the exactly-once fence needs.
 */
import type { OutMessage } from './output-records.ts';

export type SentOffsets = Array<{ topic: string; partition: number; offset: bigint }>;

interface Waiting {
  messages: OutMessage[];
  bytes: number;
  resolve(offsets: SentOffsets): void;
  reject(error: unknown): void;
}

/** Bytes of a message counted against the bound: key and value (headers are small). */
function approxBytes(messages: OutMessage[]): number {
  let bytes = 0;
  for (const m of messages) bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
  return bytes;
}

export class SendCoalescer {
  readonly #send: (messages: OutMessage[]) => Promise<SentOffsets>;
  readonly #maxBytes: number;
  #waiting: Waiting[] = [];
  #inFlight = false;

  /** `maxBytes`: most key and value bytes one gathered request holds (a single larger send goes alone). */
  constructor(send: (messages: OutMessage[]) => Promise<SentOffsets>, maxBytes: number) {
    this.#send = send;
    this.#maxBytes = maxBytes;
  }

  send(messages: OutMessage[]): Promise<SentOffsets> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ messages, bytes: approxBytes(messages), resolve, reject });
      this.#next();
    });
  }

  #next(): void {
    if (this.#inFlight || this.#waiting.length === 0) return;
    let bytes = this.#waiting[0]!.bytes;
    let count = 1;
    while (count < this.#waiting.length && bytes + this.#waiting[count]!.bytes <= this.#maxBytes)
      bytes += this.#waiting[count++]!.bytes;
    const taken = this.#waiting.splice(0, count);
    this.#inFlight = true;
    this.#send(taken.length === 1 ? taken[0]!.messages : taken.flatMap((w) => w.messages))
      .then(
        (offsets) => {
          for (const w of taken) w.resolve(offsets);
        },
        (error) => {
          for (const w of taken) w.reject(error);
        },
      )
      .finally(() => {
        this.#inFlight = false;
        this.#next();
      });
  }
}
