import { Requests } from '../../../../../features/requests/ui/requests.tsx';

export default async function RequestsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return <Requests tenant={tenant} />;
}
