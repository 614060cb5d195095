'use client';
/**
 * Two versions of a schema side by side with a line diff (jsdiff's `diffLines`): removed lines on the left, added
 * lines on the right, unchanged lines on both. Avro and JSON schemas are stored as compact JSON, so they are
 * pretty-printed first, or every change would be one long line.
 */
import { diffLines } from 'diff';
import type { SchemaVersionView } from '../schemas.ts';

/** Avro and JSON Schema text, indented; Protobuf (or JSON that does not parse) as stored. */
export function readableSchema(v: Pick<SchemaVersionView, 'schema' | 'schemaType'>): string {
  if (v.schemaType === 'PROTOBUF') return v.schema;
  try {
    return JSON.stringify(JSON.parse(v.schema), null, 2);
  } catch {
    return v.schema;
  }
}

interface Cell {
  text: string;
  kind: 'same' | 'removed' | 'added' | 'none';
}

/** One row per line: an unchanged line on both sides, or a run of removed lines beside the added ones. */
function rows(left: string, right: string): [Cell, Cell][] {
  const out: [Cell, Cell][] = [];
  const lines = (value: string) => value.replace(/\n$/, '').split('\n');
  const parts = diffLines(left, right);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (!part.added && !part.removed) {
      for (const text of lines(part.value))
        out.push([
          { text, kind: 'same' },
          { text, kind: 'same' },
        ]);
      continue;
    }
    const next = parts[i + 1];
    const removed = part.removed ? lines(part.value) : [];
    const added = part.added ? lines(part.value) : next?.added ? lines(next.value) : [];
    if (part.removed && next?.added) i++;
    for (let j = 0; j < Math.max(removed.length, added.length); j++) {
      out.push([
        j < removed.length ? { text: removed[j]!, kind: 'removed' } : { text: '', kind: 'none' },
        j < added.length ? { text: added[j]!, kind: 'added' } : { text: '', kind: 'none' },
      ]);
    }
  }
  return out;
}

const CELL_CLASS: Record<Cell['kind'], string> = {
  same: 'text-slate-800',
  removed: 'bg-red-50 text-red-900',
  added: 'bg-emerald-50 text-emerald-900',
  none: 'bg-slate-50',
};

function DiffCell({ cell }: { cell: Cell }) {
  const text = cell.text || '\u00a0';
  return (
    <td className={`px-2 py-0 align-top whitespace-pre-wrap break-all ${CELL_CLASS[cell.kind]}`}>
      {cell.kind === 'removed' ? (
        <del className="no-underline">
          <span className="sr-only">removed: </span>− {text}
        </del>
      ) : cell.kind === 'added' ? (
        <ins className="no-underline">
          <span className="sr-only">added: </span>+ {text}
        </ins>
      ) : (
        <>
          {cell.kind === 'same' ? '\u00a0 ' : ''}
          {text}
        </>
      )}
    </td>
  );
}

export function SchemaDiff({ left, right }: { left: SchemaVersionView; right: SchemaVersionView }) {
  const table = rows(readableSchema(left), readableSchema(right));
  const changed = table.filter(([l, r]) => l.kind !== 'same' || r.kind !== 'same').length;
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full table-fixed font-mono text-xs leading-5">
        <caption className="px-2 py-1 text-left font-sans text-sm text-slate-600">
          Version {left.version} beside version {right.version}:{' '}
          {changed === 0 ? 'no differences' : `${changed} changed line${changed === 1 ? '' : 's'}`}
        </caption>
        <thead>
          <tr>
            <th scope="col" className="bg-slate-50 px-2 py-1 text-left font-sans font-semibold text-slate-700">
              Version {left.version} (id {left.id})
            </th>
            <th scope="col" className="bg-slate-50 px-2 py-1 text-left font-sans font-semibold text-slate-700">
              Version {right.version} (id {right.id})
            </th>
          </tr>
        </thead>
        <tbody>
          {table.map(([l, r], i) => (
            // Rows are positions in a fixed diff: the index is their identity.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <tr key={i}>
              <DiffCell cell={l} />
              <DiffCell cell={r} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
