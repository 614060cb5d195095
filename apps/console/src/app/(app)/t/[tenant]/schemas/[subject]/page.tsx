import { SubjectDetail } from '../../../../../../features/schemas/ui/subject-detail.tsx';

export default async function SubjectPage({ params }: { params: Promise<{ tenant: string; subject: string }> }) {
  const { tenant, subject } = await params;
  return <SubjectDetail tenant={tenant} subject={decodeURIComponent(subject)} />;
}
