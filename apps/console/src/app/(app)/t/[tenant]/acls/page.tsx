import { AclEditor } from '../../../../../features/acls/ui/acl-editor.tsx';

export default async function AclsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  return <AclEditor tenant={tenant} />;
}
