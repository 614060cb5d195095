import { AuditLog } from '../../../../../features/audit/ui/audit-log.tsx';

export default async function TenantAuditPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return <AuditLog path={`/tenants/${encodeURIComponent(tenant)}/audit`} />;
}
