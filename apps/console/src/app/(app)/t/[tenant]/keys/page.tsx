import { TenantPlacements } from '../../../../../features/clusters/ui/tenant-placements.tsx';
import { ApiKeys } from '../../../../../features/service-accounts/ui/api-keys.tsx';

export default async function KeysPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return (
    <>
      <ApiKeys tenant={tenant} />
      <TenantPlacements slug={tenant} />
    </>
  );
}
