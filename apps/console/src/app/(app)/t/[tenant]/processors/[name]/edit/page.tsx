import { ProcessorForm } from '../../../../../../../features/processors/ui/processor-form.tsx';

export default async function EditProcessorPage({ params }: { params: Promise<{ tenant: string; name: string }> }) {
  const { tenant, name } = await params;
  return <ProcessorForm tenant={tenant} name={decodeURIComponent(name)} />;
}
