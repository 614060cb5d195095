/** `samsa user create|list|delete|add-member|remove-member`: console users and tenant memberships. */
import type { Command } from '../types.ts';
import { apiRequest, CliError, COMMON_HELP, output, runVerbs, str, tenantOf } from './api-client.ts';

function role(v: string | undefined): 'TENANT_ADMIN' | 'TENANT_MEMBER' {
  if (v === undefined || v === 'member') return 'TENANT_MEMBER';
  if (v === 'admin') return 'TENANT_ADMIN';
  throw new CliError(`--role must be admin or member, got '${v}'`, 2);
}

export const user: Command = {
  summary: 'manage console users and their tenant roles',
  help: `Usage:
  samsa user list
  samsa user create --email E --password P [--name NAME] [--platform-admin] [--tenant T --role admin|member]
  samsa user delete EMAIL
  samsa user add-member --tenant T --email E [--role admin|member] [--password P]   (creates the account if new)
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
              password: str(args, 'password', true),
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
          output(
            args,
            await apiRequest(t, 'POST', `/tenants/${tenantOf(args)}/members`, {
              email: str(args, 'email', true),
              role: role(str(args, 'role')),
              ...(str(args, 'password') ? { password: str(args, 'password') } : {}),
            }),
          );
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
      ['json', 'platform-admin'],
    ),
};
