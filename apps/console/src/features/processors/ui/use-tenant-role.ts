'use client';
/** Whether the signed-in user may change the tenant's processors (tenant admins and platform admins). */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export function useCanManage(tenant: string): boolean {
  const role = useQuery({
    queryKey: ['tenant', tenant],
    queryFn: () => api<{ role?: string }>(`/tenants/${tenant}`),
  });
  return role.data?.role === 'admin' || role.data?.role === 'platform_admin';
}
