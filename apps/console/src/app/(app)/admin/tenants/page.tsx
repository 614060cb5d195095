import { TenantsAdmin } from '../../../../features/tenants/ui/tenants-admin.tsx';

export default function TenantsPage() {
  return <TenantsAdmin />;
}
