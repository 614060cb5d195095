import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { isLocalRequest } from '../../server/client-address.ts';
import { needsSetup } from '../../server/page-auth.ts';
import { LoginForm } from '../login/login-form.tsx';

export const dynamic = 'force-dynamic';

/**
 * One-time bootstrap page: only while there are no users and SAMSA_ADMIN_EMAIL/PASSWORD are not set. From another
 * machine it also asks for the setup token (the API checks it either way).
 */
export default async function SetupPage() {
  if (!(await needsSetup())) redirect('/login');
  const local = isLocalRequest(new Request('http://console.local/setup', { headers: await headers() }));
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm space-y-6 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <div>
          <h1 className="text-xl font-semibold">Set up Samsa</h1>
          <p className="text-sm text-slate-500">Create the first platform admin. This page disappears afterwards.</p>
        </div>
        <LoginForm setup needsToken={!local} />
      </div>
    </main>
  );
}
