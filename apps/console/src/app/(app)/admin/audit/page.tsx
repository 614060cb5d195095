import { AuditLog } from '../../../../features/audit/ui/audit-log.tsx';

export default function AuditPage() {
  return <AuditLog path="/audit" showTenantFilter />;
}
