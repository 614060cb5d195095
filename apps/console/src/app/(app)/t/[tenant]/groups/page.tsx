import { GroupsList } from '../../../../../features/consumer-groups/ui/groups-list.tsx';

export default async function GroupsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return <GroupsList tenant={tenant} />;
}
