import { ClusterDetailAdmin } from '../../../../../features/clusters/ui/cluster-detail-admin.tsx';

export default async function ClusterPage({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return <ClusterDetailAdmin name={name} />;
}
