'use client';
/**
 * The function's editor: a monospace textarea with a line-number gutter that scrolls with it. Tab indents by two
 * spaces instead of leaving the field. No editor dependency: the console has none, and this is enough for one file.
 */
import { useRef } from 'react';

/** Longest source the editor accepts, characters (the server has its own bound). */
export const MAX_SOURCE_CHARS = 200_000;

export function CodeEditor(props: {
  id?: string;
  value: string;
  onChange: (v: string) => void;
  readOnly?: boolean;
  rows?: number;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
}) {
  const gutter = useRef<HTMLPreElement>(null);
  const lines = props.value.split('\n').length;
  return (
    <div className="flex overflow-hidden rounded-md border border-slate-300 bg-[#020617] font-mono text-[13px] leading-5 aria-[invalid=true]:border-red-500">
      <pre
        ref={gutter}
        aria-hidden="true"
        className="m-0 select-none overflow-hidden bg-[#0f172a] px-2 py-2 text-right text-[#94a3b8]"
        style={{ height: `${(props.rows ?? 18) * 20 + 16}px` }}
      >
        {Array.from({ length: lines }, (_, i) => i + 1).join('\n')}
      </pre>
      <textarea
        id={props.id}
        aria-label={props.id ? undefined : 'Source code'}
        aria-invalid={props['aria-invalid']}
        aria-describedby={props['aria-describedby']}
        name="source"
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        wrap="off"
        readOnly={props.readOnly}
        maxLength={MAX_SOURCE_CHARS}
        rows={props.rows ?? 18}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
        onKeyDown={(e) => {
          if (e.key !== 'Tab' || e.shiftKey || props.readOnly) return;
          e.preventDefault();
          const t = e.currentTarget;
          const { selectionStart: s, selectionEnd: end } = t;
          props.onChange(`${t.value.slice(0, s)}  ${t.value.slice(end)}`);
          requestAnimationFrame(() => t.setSelectionRange(s + 2, s + 2));
        }}
        className="block min-w-0 flex-1 resize-y bg-[#020617] px-3 py-2 text-[#f1f5f9] caret-[#ffffff] outline-none"
      />
    </div>
  );
}
