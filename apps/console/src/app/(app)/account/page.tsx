import { Account } from '../../../features/users/ui/account.tsx';

export default function AccountPage() {
  return <Account />;
}
