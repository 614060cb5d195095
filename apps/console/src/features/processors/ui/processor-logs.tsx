'use client';
/**
 * The processor's captured log (ctx.log lines, errors, lifecycle events), polled: each poll asks only for lines
 * after the newest one shown, and the panel keeps the newest MAX_SHOWN_LOG_LINES.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Empty, ErrorState } from '../../../components/ui/states.tsx';
import { api } from '../../../lib/api-client.ts';
import { enumText } from './format.ts';
import type { LogLineView } from './view-types.ts';

export const MAX_SHOWN_LOG_LINES = 500;
const LOG_PAGE_LINES = 200;
const LOG_POLL_MS = 2_000;

const LEVEL_CLASS: Record<string, string> = { info: 'text-[#cbd5e1]', warn: 'text-[#fcd34d]', error: 'text-[#fca5a5]' };

export function ProcessorLogs({ base }: { base: string }) {
  const [lines, setLines] = useState<LogLineView[]>([]);
  const after = lines.at(-1)?.id;
  const box = useRef<HTMLDivElement>(null);
  const page = useQuery({
    queryKey: ['processor-logs', base, String(after ?? '')],
    queryFn: () =>
      api<{ logs: LogLineView[] }>(
        `${base}/logs?limit=${LOG_PAGE_LINES}${after !== undefined ? `&after=${encodeURIComponent(String(after))}` : ''}`,
      ),
    refetchInterval: LOG_POLL_MS,
  });
  useEffect(() => {
    const fresh = page.data?.logs ?? [];
    if (fresh.length === 0) return;
    setLines((prev) => {
      const seen = new Set(prev.map((l) => String(l.id)));
      return [...prev, ...fresh.filter((l) => !seen.has(String(l.id)))].slice(-MAX_SHOWN_LOG_LINES);
    });
  }, [page.data]);
  useEffect(() => {
    const el = box.current;
    if (el && lines.length) el.scrollTop = el.scrollHeight;
  }, [lines.length]);
  return (
    <div className="space-y-2">
      <h2 className="text-lg font-semibold">Logs</h2>
      {page.error ? <ErrorState error={page.error} /> : null}
      {lines.length === 0 ? (
        <Empty>
          {page.isPending ? 'Loading logs…' : 'No log lines yet: ctx.log(), errors and restarts appear here.'}
        </Empty>
      ) : (
        <div
          ref={box}
          data-testid="processor-logs"
          className="max-h-80 overflow-auto whitespace-pre-wrap rounded-lg bg-[#020617] p-3 font-mono text-xs leading-5 text-[#cbd5e1]"
        >
          {lines.map((l) => {
            const level = enumText(l.level);
            const where = [
              l.version !== null ? `v${l.version}` : '',
              l.partition !== null ? `p${l.partition}` : '',
              l.offset !== null ? `@${l.offset}` : '',
            ]
              .filter(Boolean)
              .join(' ');
            return (
              <div key={String(l.id)} className={LEVEL_CLASS[level] ?? ''} data-testid={`processor-log-${level}`}>
                {new Date(l.at).toISOString().slice(11, 23)} {level.padEnd(5)} {where ? `[${where}] ` : ''}
                {l.message}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
