'use client';
/**
 * The compatibility level of a subject (or, without `subject`, of the tenant): a select for tenant and platform
 * admins that saves on change, plain text for members. A subject may also follow the tenant's level.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Field, Select } from '../../../components/ui/input.tsx';
import { ErrorState } from '../../../components/ui/states.tsx';
import { api } from '../../../lib/api-client.ts';
import { COMPATIBILITY_LEVELS, type CompatibilityLevelView } from '../schemas.ts';

/** The select's value for "follow the tenant's level". */
const INHERIT = '';

export function CompatibilitySelect({
  tenant,
  subject,
  level,
  own,
  tenantLevel,
  canEdit,
}: {
  tenant: string;
  subject?: string;
  level: CompatibilityLevelView;
  /** Whether the subject has its own level (always true for the tenant's). */
  own: boolean;
  tenantLevel: CompatibilityLevelView;
  canEdit: boolean;
}) {
  const qc = useQueryClient();
  const save = useMutation({
    mutationFn: (value: string) =>
      api(
        subject
          ? `/tenants/${tenant}/schemas/${encodeURIComponent(subject)}/config`
          : `/tenants/${tenant}/schema-config`,
        {
          method: 'PUT',
          body: { compatibility: value === INHERIT ? null : value },
        },
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['schemas', tenant] }),
  });
  const label = subject ? 'Compatibility level' : "Tenant's compatibility level";
  if (!canEdit) {
    return (
      <p className="text-sm">
        <span className="font-medium text-slate-700">{label}:</span> {level}
        {subject && !own ? ' (the tenant level)' : ''}
      </p>
    );
  }
  return (
    <div className="max-w-xs space-y-1">
      <Field
        label={label}
        hint={subject ? 'Checked before every registration' : 'For subjects without their own level'}
      >
        {(p) => (
          <Select
            {...p}
            value={subject && !own ? INHERIT : level}
            disabled={save.isPending}
            onChange={(e) => save.mutate(e.target.value)}
          >
            {subject ? <option value={INHERIT}>Tenant level ({tenantLevel})</option> : null}
            {COMPATIBILITY_LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </Select>
        )}
      </Field>
      {save.error ? <ErrorState error={save.error} /> : null}
    </div>
  );
}
