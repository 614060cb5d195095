'use client';
/** Whether the signed-in user may change the tenant's processors (tenant admins and platform admins). */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

/** Null while the role is loading (show no admin action yet, and no "read-only" notice either). */
export function useCanManage(tenant: string): boolean | null {
  const role = useQuery({
    queryKey: ['tenant', tenant],
    queryFn: () => api<{ role?: string }>(`/tenants/${tenant}`),
  });
  if (!role.data) return null;
  return role.data.role === 'admin' || role.data.role === 'platform_admin';
}
