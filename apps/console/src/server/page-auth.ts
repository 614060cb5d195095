/** For server components: the signed-in user from the session cookie, or a redirect to /login. */
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { ensureBootstrapAdmin, SESSION_COOKIE, userFromSessionToken } from './auth.ts';
import { db } from './db.ts';

export async function requirePageUser() {
  const user = await userFromSessionToken((await cookies()).get(SESSION_COOKIE)?.value);
  if (!user) redirect('/login');
  return user;
}

/** True when nobody can sign in yet and no admin comes from the environment: show the one-time setup page. */
export async function needsSetup(): Promise<boolean> {
  await ensureBootstrapAdmin();
  return (await db().user.count()) === 0;
}
