'use client';
/**
 * Tenant admins reset a group's offsets: choose earliest, latest, a time or an offset (all topics or one), preview
 * every partition's new offset and lag, then confirm by typing the group's name. The server refuses while the
 * group has members and records the reset in the audit log.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Dialog } from '../../../components/ui/dialog.tsx';
import { Field, Input, Select } from '../../../components/ui/input.tsx';
import { ErrorState } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';
import type { ResetOffsetsInput, ResetPlanView } from '../schemas.ts';
import { formatCount } from './format.ts';

type To = ResetOffsetsInput['to'];

export function ResetOffsetsDialog(props: {
  tenant: string;
  group: string;
  topics: string[];
  open: boolean;
  onClose: () => void;
}) {
  const qc = useQueryClient();
  const [to, setTo] = useState<To>('earliest');
  const [time, setTime] = useState('');
  const [offset, setOffset] = useState('0');
  const [topic, setTopic] = useState('');
  const [confirm, setConfirm] = useState('');
  const base = `/tenants/${props.tenant}/groups/${encodeURIComponent(props.group)}/reset-offsets`;
  const body = (): ResetOffsetsInput => ({
    to,
    ...(to === 'timestamp' ? { timestampMs: time ? new Date(time).getTime() : undefined } : {}),
    ...(to === 'offset' ? { offset: Number(offset) } : {}),
    ...(topic ? { topics: [{ topic }] } : {}),
  });
  const preview = useMutation({
    mutationFn: () => api<ResetPlanView>(`${base}/preview`, { method: 'POST', body: body() }),
  });
  const execute = useMutation({
    mutationFn: () => api<ResetPlanView>(base, { method: 'POST', body: body() }),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['group', props.tenant, props.group] });
      qc.invalidateQueries({ queryKey: ['groups', props.tenant] });
    },
  });
  const changed = () => {
    preview.reset();
    execute.reset();
    setConfirm('');
  };
  const close = () => {
    changed();
    props.onClose();
  };
  const fe = fieldErrors(preview.error);
  const plan = execute.data ?? preview.data;
  return (
    <Dialog open={props.open} onClose={close} title={`Reset offsets of ${props.group}`}>
      <form
        className="grid gap-3 sm:grid-cols-2"
        onSubmit={(e) => {
          e.preventDefault();
          execute.reset();
          preview.mutate();
        }}
      >
        <Field label="Reset to" error={fe.to}>
          {(p) => (
            <Select
              {...p}
              value={to}
              onChange={(e) => {
                setTo(e.target.value as To);
                changed();
              }}
            >
              <option value="earliest">earliest offset</option>
              <option value="latest">latest offset (skip everything)</option>
              <option value="timestamp">first offset at or after a time</option>
              <option value="offset">a specific offset</option>
            </Select>
          )}
        </Field>
        <Field label="Topic" error={fe.topics}>
          {(p) => (
            <Select
              {...p}
              value={topic}
              onChange={(e) => {
                setTopic(e.target.value);
                changed();
              }}
            >
              <option value="">all topics of the group</option>
              {props.topics.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </Select>
          )}
        </Field>
        {to === 'timestamp' ? (
          <Field label="Time" error={fe.timestampMs}>
            {(p) => (
              <Input
                {...p}
                type="datetime-local"
                step="1"
                value={time}
                onChange={(e) => {
                  setTime(e.target.value);
                  changed();
                }}
              />
            )}
          </Field>
        ) : null}
        {to === 'offset' ? (
          <Field label="Offset" hint="clamped into each partition's range" error={fe.offset}>
            {(p) => (
              <Input
                {...p}
                type="number"
                min={0}
                value={offset}
                onChange={(e) => {
                  setOffset(e.target.value);
                  changed();
                }}
              />
            )}
          </Field>
        ) : null}
        <div className="self-end sm:col-span-2">
          <Button type="submit" variant="secondary" disabled={preview.isPending}>
            Preview
          </Button>
        </div>
      </form>
      {preview.error && !Object.keys(fe).length ? <ErrorState error={preview.error} /> : null}
      {plan ? (
        <div className="space-y-3">
          <div className="max-h-64 overflow-y-auto">
            <Table aria-label="Reset preview">
              <thead>
                <tr>
                  <Th>Partition</Th>
                  <Th>Offset now → new</Th>
                  <Th>Lag now → new</Th>
                </tr>
              </thead>
              <tbody>
                {plan.rows.map((r) => (
                  <Tr key={`${r.topic}-${r.partition}`} data-testid="reset-row">
                    <Td>
                      {r.topic}[{r.partition}]
                    </Td>
                    <Td>
                      {formatCount(r.currentOffset)} → <b>{formatCount(r.newOffset)}</b>
                    </Td>
                    <Td>
                      {formatCount(r.currentLag)} → <b data-testid="new-lag">{formatCount(r.newLag)}</b>
                    </Td>
                  </Tr>
                ))}
              </tbody>
            </Table>
          </div>
          <p className="text-sm text-slate-700">
            New total lag: <b>{formatCount(plan.rows.reduce((s, r) => s + r.newLag, 0))}</b> (now{' '}
            {formatCount(plan.rows.reduce((s, r) => s + (r.currentLag ?? 0), 0))}).
          </p>
          {execute.data ? (
            <p role="status" className="text-sm text-emerald-700">
              Offsets reset on {execute.data.rows.length} partition(s). The change is in the audit log.
            </p>
          ) : !plan.executable ? (
            <p role="alert" className="rounded-md bg-amber-50 p-3 text-sm text-amber-800">
              {plan.blockedBecause}
            </p>
          ) : (
            <form
              className="space-y-2"
              onSubmit={(e) => {
                e.preventDefault();
                if (confirm === props.group) execute.mutate();
              }}
            >
              <Field label={`Type ${props.group} to confirm`}>
                {(p) => (
                  <Input {...p} autoComplete="off" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
                )}
              </Field>
              {execute.error ? <ErrorState error={execute.error} /> : null}
              <Button type="submit" variant="danger" disabled={confirm !== props.group || execute.isPending}>
                Reset offsets
              </Button>
            </form>
          )}
        </div>
      ) : null}
      <div className="flex justify-end">
        <Button variant="secondary" onClick={close}>
          Close
        </Button>
      </div>
    </Dialog>
  );
}
