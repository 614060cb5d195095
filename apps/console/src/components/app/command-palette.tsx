'use client';
/**
 * The global search palette (Ctrl-K / Cmd-K): a combobox over GET /search (tenants, topics, groups, processors the
 * user may see), with arrow keys to move, Enter to open and Escape to close.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useRef, useState } from 'react';
import type { GlobalSearchResponse } from '../../features/global-search/schemas.ts';
import { api } from '../../lib/api-client.ts';
import { cn } from '../ui/cn.ts';

const DEBOUNCE_MS = 150;
const RESULT_LIMIT = 20;

/** Opens the palette on Ctrl-K / Cmd-K anywhere on the page. */
export function usePaletteShortcut(open: () => void) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        open();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
}

function useDebounced(value: string): string {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [value]);
  return debounced;
}

export function CommandPalette({ open, onClose }: { open: boolean; onClose: () => void }) {
  const router = useRouter();
  const ref = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const q = useDebounced(text.trim());
  const listId = useId();
  const search = useQuery({
    queryKey: ['global-search', q],
    queryFn: () => api<GlobalSearchResponse>(`/search?q=${encodeURIComponent(q)}&limit=${RESULT_LIMIT}`),
    enabled: open,
    placeholderData: keepPreviousData,
  });
  const results = search.data?.results ?? [];

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setText('');
      setActive(0);
      d.showModal();
    }
    if (!open && d.open) d.close();
  }, [open]);

  const go = (index: number) => {
    const r = results[index];
    if (!r) return;
    onClose();
    router.push(r.href);
  };

  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-label="Search"
      className="mx-auto mt-24 w-full max-w-xl rounded-lg bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40"
      data-testid="command-palette"
    >
      {/* Contents only while open: a closed palette adds no second search field to the page's labels. */}
      {open && (
        <>
          <div className="border-b border-slate-200 p-3">
            <input
              role="combobox"
              aria-expanded={results.length > 0}
              aria-controls={listId}
              aria-activedescendant={results[active] ? `${listId}-${active}` : undefined}
              aria-autocomplete="list"
              aria-label="Search tenants, topics, groups and processors"
              placeholder="Search tenants, topics, groups and processors…"
              className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                setActive(0);
              }}
              onKeyDown={(e) => {
                if (e.key === 'ArrowDown') {
                  e.preventDefault();
                  setActive((i) => Math.min(i + 1, results.length - 1));
                } else if (e.key === 'ArrowUp') {
                  e.preventDefault();
                  setActive((i) => Math.max(i - 1, 0));
                } else if (e.key === 'Enter') {
                  e.preventDefault();
                  go(active);
                }
              }}
            />
          </div>
          <div id={listId} role="listbox" aria-label="Results" className="max-h-80 overflow-y-auto p-1">
            {results.map((r, i) => (
              <div
                key={`${r.kind}:${r.tenant}:${r.name}`}
                tabIndex={-1}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={cn(
                  'flex cursor-pointer items-center justify-between gap-3 rounded-md px-3 py-2 text-sm',
                  i === active ? 'bg-indigo-50 text-indigo-800' : 'text-slate-800',
                )}
                onMouseEnter={() => setActive(i)}
                onMouseDown={(e) => {
                  e.preventDefault();
                  go(i);
                }}
              >
                <span className="truncate">{r.name}</span>
                <span className="shrink-0 text-xs text-slate-600">
                  {r.kind}
                  {r.kind === 'tenant' ? '' : ` · ${r.tenant}`}
                </span>
              </div>
            ))}
          </div>
          <p className="border-t border-slate-200 px-3 py-2 text-xs text-slate-600" aria-live="polite">
            {search.isError
              ? `Search failed: ${(search.error as Error).message}`
              : search.isFetching && !search.data
                ? 'Searching…'
                : results.length === 0
                  ? 'Nothing found'
                  : `${results.length}${search.data?.truncated ? '+' : ''} results · ↑↓ to move, Enter to open, Esc to close`}
            {search.data?.unavailable.length
              ? ` · not searched: ${search.data.unavailable.map((u) => u.kind).join(', ')}`
              : ''}
          </p>
        </>
      )}
    </dialog>
  );
}
