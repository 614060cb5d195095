import { Alerts } from '../../../../../features/alerts/ui/alerts.tsx';

export default async function AlertsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return <Alerts tenant={tenant} />;
}
