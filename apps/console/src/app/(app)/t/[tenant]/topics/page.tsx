import { TopicsList } from '../../../../../features/topics/ui/topics-list.tsx';

export default async function TopicsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return <TopicsList tenant={tenant} />;
}
