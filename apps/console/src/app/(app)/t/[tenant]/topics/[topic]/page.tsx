import { TrafficCharts } from '../../../../../../features/overview/ui/traffic-charts.tsx';
import { TopicDetail } from '../../../../../../features/topics/ui/topic-detail.tsx';

export default async function TopicPage({ params }: { params: Promise<{ tenant: string; topic: string }> }) {
  const { tenant, topic } = await params;
  const name = decodeURIComponent(topic);
  return (
    <div className="space-y-6">
      <TopicDetail tenant={tenant} topic={name} />
      <TrafficCharts
        path={`/tenants/${tenant}/traffic/history?topic=${encodeURIComponent(name)}`}
        title="Traffic and storage history"
      />
    </div>
  );
}
