import { redirect } from 'next/navigation';
import { needsSetup } from '../../server/page-auth.ts';
import { LoginForm } from './login-form.tsx';

export const dynamic = 'force-dynamic';

export default async function LoginPage() {
  if (await needsSetup()) redirect('/setup');
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm space-y-6 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <div>
          <h1 className="text-xl font-semibold">Sign in to Samsa</h1>
          <p className="text-sm text-slate-500">The multi-tenant Kafka-compatible data hub.</p>
        </div>
        <LoginForm />
      </div>
    </main>
  );
}
