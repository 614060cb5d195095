import { TrafficCharts } from '../../../../../../features/overview/ui/traffic-charts.tsx';
import { TopicDetail } from '../../../../../../features/topics/ui/topic-detail.tsx';

/** `?partition=P&offset=O` (a search result's permalink) opens the message browser at that record. */
export default async function TopicPage({
  params,
  searchParams,
}: {
  params: Promise<{ tenant: string; topic: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { tenant, topic } = await params;
  const q = await searchParams;
  const partition = Number(q.partition);
  const offset = Number(q.offset);
  const at =
    Number.isInteger(partition) && partition >= 0 && Number.isInteger(offset) && offset >= 0 && q.offset !== undefined
      ? { partition, offset }
      : undefined;
  const name = decodeURIComponent(topic);
  return (
    <div className="space-y-6">
      <TopicDetail tenant={tenant} topic={name} at={at} />
      <TrafficCharts
        path={`/tenants/${tenant}/traffic/history?topic=${encodeURIComponent(name)}`}
        title="Traffic and storage history"
      />
    </div>
  );
}
