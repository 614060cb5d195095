import { Members } from '../../../../../features/users/ui/members.tsx';

export default async function MembersPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return <Members tenant={tenant} />;
}
