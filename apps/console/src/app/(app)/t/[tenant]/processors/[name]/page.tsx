import { ProcessorDetail } from '../../../../../../features/processors/ui/processor-detail.tsx';

export default async function ProcessorPage({ params }: { params: Promise<{ tenant: string; name: string }> }) {
  const { tenant, name } = await params;
  return <ProcessorDetail tenant={tenant} name={decodeURIComponent(name)} />;
}
