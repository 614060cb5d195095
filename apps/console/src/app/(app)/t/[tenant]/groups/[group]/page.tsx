import { GroupDetail } from '../../../../../../features/consumer-groups/ui/group-detail.tsx';

export default async function GroupPage({ params }: { params: Promise<{ tenant: string; group: string }> }) {
  const { tenant, group } = await params;
  return <GroupDetail tenant={tenant} group={decodeURIComponent(group)} />;
}
