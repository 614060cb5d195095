import { ProcessorForm } from '../../../../../../features/processors/ui/processor-form.tsx';

export default async function NewProcessorPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return <ProcessorForm tenant={tenant} />;
}
