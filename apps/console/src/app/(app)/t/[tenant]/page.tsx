import { TenantOverview } from '../../../../features/overview/ui/tenant-overview.tsx';

export default async function TenantHomePage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return <TenantOverview tenant={tenant} />;
}
