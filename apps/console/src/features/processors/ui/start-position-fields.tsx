'use client';
/**
 * Where a deploy starts reading: earliest, latest, a time, an offset, or (for an update) the committed offsets.
 * Used by the processor form and by the "Redeploy from…" dialog, so every deploy can choose its position.
 */
import { Field, Input, Select } from '../../../components/ui/input.tsx';
import type { StartPositionView } from './view-types.ts';

export type StartKind = StartPositionView['kind'];

export interface StartPositionDraft {
  kind: StartKind;
  /** datetime-local text, when kind is timestamp. */
  time: string;
  /** When kind is offset. */
  offset: string;
}

export function startDraft(kind: StartKind): StartPositionDraft {
  return { kind, time: '', offset: '0' };
}

/** The draft as the API's StartPosition, or a message saying what is missing. */
export function startPositionOf(
  d: StartPositionDraft,
): { ok: true; value: StartPositionView } | { ok: false; message: string } {
  if (d.kind === 'timestamp') {
    const ms = new Date(d.time).getTime();
    return d.time && Number.isFinite(ms)
      ? { ok: true, value: { kind: 'timestamp', timestampMs: ms } }
      : { ok: false, message: 'Choose the time to start from.' };
  }
  if (d.kind === 'offset') {
    const n = Number(d.offset);
    return d.offset.trim() !== '' && Number.isInteger(n) && n >= 0
      ? { ok: true, value: { kind: 'offset', offset: n } }
      : { ok: false, message: 'The offset is a whole number, 0 or more.' };
  }
  return { ok: true, value: { kind: d.kind } };
}

export function StartPositionFields(props: {
  value: StartPositionDraft;
  onChange: (v: StartPositionDraft) => void;
  /** Offer "keep the committed offsets" (updates, rollbacks, redeploys). */
  allowCommitted: boolean;
  error?: string[];
}) {
  const v = props.value;
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <Field label="Start from" error={v.kind === 'timestamp' || v.kind === 'offset' ? undefined : props.error}>
        {(p) => (
          <Select
            {...p}
            name="startFrom"
            value={v.kind}
            onChange={(e) => props.onChange({ ...v, kind: e.target.value as StartKind })}
          >
            {props.allowCommitted ? <option value="committed">where it left off (committed offsets)</option> : null}
            <option value="earliest">the earliest record</option>
            <option value="latest">new records only (latest)</option>
            <option value="timestamp">the first record at or after a time</option>
            <option value="offset">an offset (every partition)</option>
          </Select>
        )}
      </Field>
      {v.kind === 'timestamp' ? (
        <Field label="Start time" error={props.error}>
          {(p) => (
            <Input
              {...p}
              name="startTime"
              type="datetime-local"
              step="1"
              value={v.time}
              onChange={(e) => props.onChange({ ...v, time: e.target.value })}
            />
          )}
        </Field>
      ) : null}
      {v.kind === 'offset' ? (
        <Field label="Start offset" error={props.error}>
          {(p) => (
            <Input
              {...p}
              name="startOffset"
              type="number"
              min={0}
              value={v.offset}
              onChange={(e) => props.onChange({ ...v, offset: e.target.value })}
            />
          )}
        </Field>
      ) : null}
    </div>
  );
}
