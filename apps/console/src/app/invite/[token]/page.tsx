import { invitationForToken } from '../../../features/users/invitations.ts';
import { AcceptInvitationForm } from './accept-form.tsx';

export const dynamic = 'force-dynamic';

/**
 * Where an invitation link leads. One form whether or not the email has an account (the page must not tell whoever
 * holds the link, e.g. the inviting admin, that an account exists): an existing account types its password, a new
 * one chooses it.
 */
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invite = await invitationForToken(token);
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm space-y-6 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        {invite ? (
          <>
            <div>
              <h1 className="text-xl font-semibold">Join {invite.tenant}</h1>
              <p className="text-sm text-slate-500">
                {invite.email} is invited as {invite.role === 'TENANT_ADMIN' ? 'an admin' : 'a member'}. The link
                expires {invite.expiresAt.toUTCString()}.
              </p>
            </div>
            <AcceptInvitationForm token={token} email={invite.email} />
          </>
        ) : (
          <div>
            <h1 className="text-xl font-semibold">Invitation not valid</h1>
            <p className="text-sm text-slate-500">
              This link was used, revoked or has expired. Ask your tenant admin for a new one.
            </p>
          </div>
        )}
      </div>
    </main>
  );
}
