/**
 * ConnectionMute: Kafka-style quota throttling of one connection. Muted, the connection stops reading its client
 * until the moment passes (the answer already told the client `throttle_time_ms`); `onChange` runs when the mute
 * starts and when it ends, so the connection re-decides whether to read. Shared by the broker and the gateway.
 */
export class ConnectionMute {
  private untilMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly onChange: () => void;

  constructor(onChange: () => void) {
    this.onChange = onChange;
  }

  /** Whether the connection is muted at `nowMs`. */
  mutedAt(nowMs: number): boolean {
    return this.untilMs > nowMs;
  }

  /** Mutes for `throttleMs` more (a longer mute already running wins). */
  mute(throttleMs: number): void {
    if (throttleMs <= 0) return;
    this.untilMs = Math.max(this.untilMs, Date.now() + throttleMs);
    this.onChange();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.onChange();
      },
      this.untilMs - Date.now() + 1,
    );
  }

  /** Stops the timer (the connection closed). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
