import { TopicSearch } from '../../../../../../../features/search/ui/topic-search.tsx';

export default async function TopicSearchPage({ params }: { params: Promise<{ tenant: string; topic: string }> }) {
  const { tenant, topic } = await params;
  return <TopicSearch tenant={tenant} topic={decodeURIComponent(topic)} />;
}
