import { UsersAdmin } from '../../../../features/users/ui/users-admin.tsx';

export default function UsersPage() {
  return <UsersAdmin />;
}
