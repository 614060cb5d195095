import { ProcessorsList } from '../../../../../features/processors/ui/processors-list.tsx';

export default async function ProcessorsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return <ProcessorsList tenant={tenant} />;
}
