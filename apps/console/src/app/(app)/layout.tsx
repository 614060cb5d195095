import type { ReactNode } from 'react';
import { AppNav } from '../../components/app/nav.tsx';
import { requirePageUser } from '../../server/page-auth.ts';

export const dynamic = 'force-dynamic';

export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await requirePageUser();
  return (
    <div className="min-h-screen md:flex">
      <AppNav email={user.email} isPlatformAdmin={user.isPlatformAdmin} />
      <main className="min-w-0 flex-1 p-4 md:p-8">{children}</main>
    </div>
  );
}
