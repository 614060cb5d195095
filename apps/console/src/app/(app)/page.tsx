import { redirect } from 'next/navigation';
import { PlatformOverview } from '../../features/overview/ui/platform-overview.tsx';
import { db } from '../../server/db.ts';
import { requirePageUser } from '../../server/page-auth.ts';

export const dynamic = 'force-dynamic';

/** Home: the hub overview for platform admins; a member goes to their first tenant's home. */
export default async function Home() {
  const user = await requirePageUser();
  if (user.isPlatformAdmin) return <PlatformOverview />;
  const m = await db().membership.findFirst({
    where: { userId: user.id },
    include: { tenant: true },
    orderBy: { createdAt: 'asc' },
  });
  if (m) redirect(`/t/${m.tenant.slug}`);
  return <p className="text-slate-600">You are not a member of any tenant yet. Ask a platform admin to add you.</p>;
}
