import { SubjectsList } from '../../../../../features/schemas/ui/subjects-list.tsx';

export default async function SchemasPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return <SubjectsList tenant={tenant} />;
}
