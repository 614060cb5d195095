'use client';
/** The one window picker of every traffic chart (15 m to 30 d), as a group of toggle buttons. */
import { cn } from '../../../components/ui/cn.ts';
import { TRAFFIC_WINDOWS, type TrafficWindow } from '../schemas.ts';

export function WindowPicker({ value, onChange }: { value: TrafficWindow; onChange: (w: TrafficWindow) => void }) {
  return (
    <fieldset className="inline-flex flex-wrap gap-1" aria-label="Time window">
      {TRAFFIC_WINDOWS.map((w) => (
        <button
          key={w}
          type="button"
          aria-pressed={w === value}
          onClick={() => onChange(w)}
          className={cn(
            'rounded border px-2 py-0.5 text-xs',
            w === value
              ? 'border-accent bg-accent text-on-accent'
              : 'border-slate-300 bg-white text-slate-700 hover:bg-slate-50',
          )}
        >
          {w}
        </button>
      ))}
    </fieldset>
  );
}
