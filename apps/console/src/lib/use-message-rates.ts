'use client';
/** Messages per second per row (topic, tenant), from the change in its retained-message count between two polls. */
import { useEffect, useRef, useState } from 'react';

export interface MessageCount {
  key: string;
  messages: number | null;
}

export function useMessageRates(rows: MessageCount[] | undefined, updatedAt: number): Map<string, number> {
  const previous = useRef<{ at: number; counts: Map<string, number> } | null>(null);
  const [rates, setRates] = useState(new Map<string, number>());
  useEffect(() => {
    if (!rows) return;
    const prev = previous.current;
    if (prev && updatedAt <= prev.at) return;
    const counts = new Map(rows.filter((r) => r.messages !== null).map((r) => [r.key, r.messages as number]));
    if (prev) {
      const next = new Map<string, number>();
      for (const [key, count] of counts) {
        const before = prev.counts.get(key);
        // Retention can shrink the count; a rate is never negative.
        if (before !== undefined) next.set(key, Math.max(0, count - before) / ((updatedAt - prev.at) / 1000));
      }
      setRates(next);
    }
    previous.current = { at: updatedAt, counts };
  }, [rows, updatedAt]);
  return rates;
}

export function rateText(rate: number | undefined): string {
  return rate === undefined ? '—' : `${rate.toFixed(1)}/s`;
}
