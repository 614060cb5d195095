import { TopicDetail } from '../../../../../../features/topics/ui/topic-detail.tsx';

export default async function TopicPage({ params }: { params: Promise<{ tenant: string; topic: string }> }) {
  const { tenant, topic } = await params;
  return <TopicDetail tenant={tenant} topic={decodeURIComponent(topic)} />;
}
