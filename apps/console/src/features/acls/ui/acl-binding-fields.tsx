'use client';
/**
 * The fields that describe ACL bindings for one service account — a template (producer, consumer, tenant admin) or a
 * raw binding — shared by the ACL editor (which adds them) and the requests page (where a member asks for them).
 */
import { useQuery } from '@tanstack/react-query';
import { Field, Input, Select } from '../../../components/ui/input.tsx';
import { api } from '../../../lib/api-client.ts';
import {
  type AclBindingInput,
  type AclResourceType,
  aclOperationsFor,
  aclResourceTypes,
  expandPreset,
} from '../schemas.ts';

export type AclPreset = 'producer' | 'consumer' | 'tenant_admin' | 'raw';

export interface AclDraft {
  preset: AclPreset;
  serviceAccount: string;
  topic: string;
  groupPrefix: string;
  raw: Omit<AclBindingInput, 'principal'>;
}

export const emptyAclDraft = (preset: AclPreset = 'producer'): AclDraft => ({
  preset,
  serviceAccount: '',
  topic: '',
  groupPrefix: '',
  raw: {
    resourceType: 'TOPIC',
    patternType: 'LITERAL',
    resourceName: '',
    operation: 'READ',
    permission: 'ALLOW',
    host: '*',
  },
});

/** The bindings a draft stands for, with the template expanded as the server would. */
export function aclDraftBindings(d: AclDraft): AclBindingInput[] {
  switch (d.preset) {
    case 'raw':
      return [{ principal: `User:${d.serviceAccount}`, ...d.raw }];
    case 'tenant_admin':
      return expandPreset({ preset: d.preset, serviceAccount: d.serviceAccount });
    case 'producer':
      return expandPreset({ preset: d.preset, serviceAccount: d.serviceAccount, topic: d.topic, prefixed: false });
    case 'consumer':
      return expandPreset({
        preset: d.preset,
        serviceAccount: d.serviceAccount,
        topic: d.topic,
        groupPrefix: d.groupPrefix,
        prefixed: false,
      });
  }
}

/** The fields, as siblings for the caller's grid; `errorOf` maps a field name to its server error. */
export function AclBindingFields({
  tenant,
  value,
  onChange,
  errorOf,
}: {
  tenant: string;
  value: AclDraft;
  onChange: (d: AclDraft) => void;
  errorOf: (field: 'serviceAccount' | 'topic' | 'groupPrefix' | 'resourceName' | 'operation') => string[] | undefined;
}) {
  const accounts = useQuery({
    queryKey: ['service-accounts', tenant],
    queryFn: () => api<{ name: string }[]>(`/tenants/${tenant}/service-accounts`),
  });
  const set = (patch: Partial<AclDraft>) => onChange({ ...value, ...patch });
  const setRaw = (patch: Partial<AclDraft['raw']>) => set({ raw: { ...value.raw, ...patch } });
  const { raw } = value;
  const operations = aclOperationsFor(raw.resourceType);
  /** A new resource type keeps the operation when that type takes it, and falls back to READ otherwise. */
  const setResourceType = (resourceType: AclResourceType) =>
    setRaw({
      resourceType,
      operation: aclOperationsFor(resourceType).includes(raw.operation) ? raw.operation : 'READ',
    });
  return (
    <>
      <Field label="Template">
        {(p) => (
          <Select {...p} value={value.preset} onChange={(e) => set({ preset: e.target.value as AclPreset })}>
            <option value="producer">Producer on a topic</option>
            <option value="consumer">Consumer on a topic with a group prefix</option>
            <option value="tenant_admin">Tenant admin</option>
            <option value="raw">Raw binding</option>
          </Select>
        )}
      </Field>
      <Field label="Service account" error={errorOf('serviceAccount')}>
        {(p) => (
          <Select
            {...p}
            value={value.serviceAccount}
            onChange={(e) => set({ serviceAccount: e.target.value })}
            required
          >
            <option value="">Choose…</option>
            {(accounts.data ?? []).map((a) => (
              <option key={a.name} value={a.name}>
                {a.name}
              </option>
            ))}
          </Select>
        )}
      </Field>
      {value.preset === 'producer' || value.preset === 'consumer' ? (
        <Field label="Topic" error={errorOf('topic')}>
          {(p) => <Input {...p} value={value.topic} onChange={(e) => set({ topic: e.target.value })} required />}
        </Field>
      ) : null}
      {value.preset === 'consumer' ? (
        <Field label="Consumer group prefix" error={errorOf('groupPrefix')}>
          {(p) => (
            <Input {...p} value={value.groupPrefix} onChange={(e) => set({ groupPrefix: e.target.value })} required />
          )}
        </Field>
      ) : null}
      {value.preset === 'raw' ? (
        <>
          <Field label="Resource type">
            {(p) => (
              <Select
                {...p}
                value={raw.resourceType}
                onChange={(e) => setResourceType(e.target.value as AclResourceType)}
              >
                {aclResourceTypes.map((v) => (
                  <option key={v} value={v}>
                    {v === 'SUBJECT' ? 'SUBJECT (schema registry)' : v}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label="Pattern">
            {(p) => (
              <Select
                {...p}
                value={raw.patternType}
                onChange={(e) => setRaw({ patternType: e.target.value as AclBindingInput['patternType'] })}
              >
                <option>LITERAL</option>
                <option>PREFIXED</option>
              </Select>
            )}
          </Field>
          <Field label={raw.resourceType === 'SUBJECT' ? 'Subject' : 'Resource name'} error={errorOf('resourceName')}>
            {(p) => (
              <Input
                {...p}
                value={raw.resourceName}
                onChange={(e) => setRaw({ resourceName: e.target.value })}
                required
              />
            )}
          </Field>
          <Field label="Operation" error={errorOf('operation')}>
            {(p) => (
              <Select
                {...p}
                value={raw.operation}
                onChange={(e) => setRaw({ operation: e.target.value as AclBindingInput['operation'] })}
              >
                {operations.map((v) => (
                  <option key={v}>{v}</option>
                ))}
              </Select>
            )}
          </Field>
          <Field label="Permission">
            {(p) => (
              <Select
                {...p}
                value={raw.permission}
                onChange={(e) => setRaw({ permission: e.target.value as AclBindingInput['permission'] })}
              >
                <option>ALLOW</option>
                <option>DENY</option>
              </Select>
            )}
          </Field>
          <Field label="Host">
            {(p) => <Input {...p} value={raw.host} onChange={(e) => setRaw({ host: e.target.value })} />}
          </Field>
          {raw.resourceType === 'SUBJECT' ? (
            <p className="text-sm text-slate-600 sm:col-span-4">
              The schema registry enforces SUBJECT bindings: READ reads schemas, WRITE registers, DELETE deletes,
              ALTER_CONFIGS sets compatibility and mode, DESCRIBE lists the subject. While the tenant has none, every
              key reads all subjects; the first one puts every key of the tenant under subject ACLs.
            </p>
          ) : null}
        </>
      ) : null}
    </>
  );
}
