/** `samsa user create|list|delete|add-member|invitations|…`: console users, tenant invitations and memberships. */
import type { Command } from '../types.ts';
import { apiRequest, CliError, COMMON_HELP, output, readPassword, runVerbs, str, tenantOf } from './api-client.ts';

function role(v: string | undefined): 'TENANT_ADMIN' | 'TENANT_MEMBER' {
  if (v === undefined || v === 'member') return 'TENANT_MEMBER';
  if (v === 'admin') return 'TENANT_ADMIN';
  throw new CliError(`--role must be admin or member, got '${v}'`, 2);
}

export const user: Command = {
  summary: 'manage console users and their tenant roles',
  help: `Usage:
  samsa user list
  samsa user create --email E [--password-stdin] [--name NAME] [--platform-admin] [--tenant T --role admin|member]
                    (platform admins; the password as for 'samsa login': stdin, SAMSA_PASSWORD or a prompt)
  samsa user delete EMAIL
  samsa user add-member --tenant T --email E [--role admin|member]
                    invites: prints a single-use link (shown once, valid 7 days) where the person sets their own
                    password, or signs in if they already have an account
  samsa user invitations --tenant T              pending invitations
  samsa user revoke-invitation --tenant T ID     the link stops working
  samsa user remove-member --tenant T EMAIL
  samsa user members --tenant T

${COMMON_HELP}`,
  run: (argv) =>
    runVerbs(
      'user',
      argv,
      {
        async list(args, t) {
          const rows = await apiRequest<any[]>(t, 'GET', '/users');
          output(
            args,
            args.flags.json
              ? rows
              : rows.map((u) => ({
                  ...u,
                  roles: u.memberships.map((m: any) => `${m.tenant}:${m.role === 'TENANT_ADMIN' ? 'admin' : 'member'}`),
                })),
            ['email', 'name', 'isPlatformAdmin', 'disabled', 'roles'],
          );
        },
        async create(args, t) {
          const tenant = str(args, 'tenant');
          output(
            args,
            await apiRequest(t, 'POST', '/users', {
              email: str(args, 'email', true),
              password: await readPassword(args),
              name: str(args, 'name') ?? '',
              isPlatformAdmin: Boolean(args.flags['platform-admin']),
              memberships: tenant ? [{ tenant, role: role(str(args, 'role')) }] : [],
            }),
          );
        },
        async delete(args, t) {
          const id = args.positional[0] ?? str(args, 'email');
          if (!id) throw new CliError('missing EMAIL', 2);
          await apiRequest(t, 'DELETE', `/users/${encodeURIComponent(id)}`);
          output(args, args.flags.json ? { deleted: id } : `Deleted user ${id}`);
        },
        async members(args, t) {
          output(args, await apiRequest(t, 'GET', `/tenants/${tenantOf(args)}/members`), ['email', 'name', 'role']);
        },
        async 'add-member'(args, t) {
          if (args.flags.password !== undefined || args.flags['password-stdin']) {
            throw new CliError(
              'tenant members choose their own password: add-member prints an invitation link to send them',
              2,
            );
          }
          const res = await apiRequest<{ invitation: { email: string; expiresAt: string }; inviteUrl: string }>(
            t,
            'POST',
            `/tenants/${tenantOf(args)}/members`,
            { email: str(args, 'email', true), role: role(str(args, 'role')) },
          );
          output(
            args,
            args.flags.json
              ? res
              : `Invitation for ${res.invitation.email} (single use, expires ${res.invitation.expiresAt}); send this link, it is not shown again:\n${res.inviteUrl}`,
          );
        },
        async invitations(args, t) {
          output(args, await apiRequest(t, 'GET', `/tenants/${tenantOf(args)}/invitations`), [
            'id',
            'email',
            'role',
            'invitedBy',
            'expiresAt',
          ]);
        },
        async 'revoke-invitation'(args, t) {
          const id = args.positional[0] ?? str(args, 'id');
          if (!id) throw new CliError('missing invitation ID (see samsa user invitations)', 2);
          await apiRequest(
            t,
            'DELETE',
            `/tenants/${tenantOf({ ...args, positional: [] })}/invitations/${encodeURIComponent(id)}`,
          );
          output(args, args.flags.json ? { revoked: id } : `Revoked invitation ${id}`);
        },
        async 'remove-member'(args, t) {
          const id = args.positional[0] ?? str(args, 'email');
          if (!id) throw new CliError('missing EMAIL', 2);
          await apiRequest(
            t,
            'DELETE',
            `/tenants/${tenantOf({ ...args, positional: [] })}/members/${encodeURIComponent(id)}`,
          );
          output(args, args.flags.json ? { removed: id } : `Removed ${id} from the tenant`);
        },
      },
      ['json', 'platform-admin', 'password-stdin'],
    ),
};
