import { GroupsList } from '../../../../features/consumer-groups/ui/groups-list.tsx';

export default function AllGroupsPage() {
  return <GroupsList />;
}
