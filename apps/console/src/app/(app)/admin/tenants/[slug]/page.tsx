import { TenantDetailAdmin } from '../../../../../features/tenants/ui/tenant-detail-admin.tsx';

export default async function TenantAdminPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  return <TenantDetailAdmin slug={slug} />;
}
