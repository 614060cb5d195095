import { TrafficStrip } from '../../../../../features/tenants/ui/traffic-strip.tsx';
import { TopicsList } from '../../../../../features/topics/ui/topics-list.tsx';

export default async function TopicsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return (
    <>
      <TrafficStrip tenant={tenant} />
      <TopicsList tenant={tenant} />
    </>
  );
}
