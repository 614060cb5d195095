'use client';
/**
 * Quota inputs shared by "create tenant" and "edit quotas": an empty field means unlimited, or for the group limits
 * the broker's finite default and for the processor limits the hub's default.
 */
import { Field, Input } from '../../../components/ui/input.tsx';
import { UnitInput } from '../../../components/ui/unit-input.tsx';
import type { QuantityKind } from '../../../lib/units.ts';
import { QUOTA_EMPTY_MEANS, QUOTA_LABELS, type QuotaInput } from '../schemas.ts';

/** Quotas typed in human units (MB/s, GiB) with the raw value shown beside; the rest are plain counts. */
const QUOTA_UNITS: Partial<Record<keyof QuotaInput, QuantityKind>> = {
  produceBytesPerSec: 'bytesPerSec',
  fetchBytesPerSec: 'bytesPerSec',
  storageBytes: 'bytes',
};

export type QuotaDraft = Record<keyof QuotaInput, string>;

export const emptyQuotaDraft = (): QuotaDraft => ({
  produceBytesPerSec: '',
  fetchBytesPerSec: '',
  storageBytes: '',
  maxTopics: '',
  maxPartitions: '',
  maxConnections: '',
  requestPercentage: '',
  maxGroups: '',
  maxCommittedOffsets: '',
  maxTransactionalIds: '',
  maxProcessors: '',
  processorMemoryMb: '',
  processorCpuMsPerSec: '',
  maxSchemaSubjects: '',
  maxSchemaVersions: '',
});

export function draftFromQuota(q: Partial<Record<keyof QuotaInput, number | null | undefined>>): QuotaDraft {
  const d = emptyQuotaDraft();
  for (const k of Object.keys(d) as (keyof QuotaInput)[])
    d[k] = q[k] === null || q[k] === undefined ? '' : String(q[k]);
  return d;
}

/** Empty → null (unlimited, or the broker default); anything else a number, which the shared zod schema then validates. */
export function quotaFromDraft(d: QuotaDraft): Record<keyof QuotaInput, number | null> {
  const out = {} as Record<keyof QuotaInput, number | null>;
  for (const k of Object.keys(d) as (keyof QuotaInput)[]) out[k] = d[k].trim() === '' ? null : Number(d[k]);
  return out;
}

export function QuotaFields({
  value,
  onChange,
  errors,
  emptyMeans,
}: {
  value: QuotaDraft;
  onChange: (d: QuotaDraft) => void;
  errors: Record<string, string[]>;
  /** The placeholder of every empty field, instead of what an empty quota means (e.g. "keep" on a raise request). */
  emptyMeans?: string;
}) {
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      {(Object.keys(QUOTA_LABELS) as (keyof QuotaInput)[]).map((k) => (
        <Field key={k} label={QUOTA_LABELS[k]} error={errors[k] ?? errors[`quota.${k}`]}>
          {(p) => {
            const kind = QUOTA_UNITS[k];
            return kind ? (
              <UnitInput
                {...p}
                kind={kind}
                name={`quota-${k}`}
                placeholder={emptyMeans ?? QUOTA_EMPTY_MEANS[k] ?? 'unlimited'}
                value={value[k]}
                onChange={(raw) => onChange({ ...value, [k]: raw })}
              />
            ) : (
              <Input
                {...p}
                name={`quota-${k}`}
                inputMode="numeric"
                placeholder={emptyMeans ?? QUOTA_EMPTY_MEANS[k] ?? 'unlimited'}
                value={value[k]}
                onChange={(e) => onChange({ ...value, [k]: e.target.value })}
              />
            );
          }}
        </Field>
      ))}
    </div>
  );
}
