/** `samsa token list|revoke`: personal API tokens, your own or (platform admins, with --user) anyone's. */
import type { Command } from '../types.ts';
import { apiRequest, CliError, COMMON_HELP, output, type ParsedArgs, runVerbs, str } from './api-client.ts';

function base(args: ParsedArgs): string {
  const user = str(args, 'user');
  return user ? `/users/${encodeURIComponent(user)}/tokens` : '/auth/tokens';
}

export const token: Command = {
  summary: 'list and revoke personal API tokens',
  help: `Usage:
  samsa token list [--user EMAIL]          your tokens (platform admins: another user's with --user)
  samsa token revoke ID [--user EMAIL]     revoke one; it stops working at once

Tokens are created by 'samsa login'. A password change or a disabled account revokes all of a user's tokens.

${COMMON_HELP}`,
  run: (argv) =>
    runVerbs('token', argv, {
      async list(args, t) {
        output(args, await apiRequest(t, 'GET', base(args)), [
          'id',
          'name',
          'prefix',
          'status',
          'lastUsedAt',
          'expiresAt',
        ]);
      },
      async revoke(args, t) {
        const id = args.positional[0] ?? str(args, 'id');
        if (!id) throw new CliError('missing token ID (see samsa token list)', 2);
        await apiRequest(t, 'DELETE', `${base(args)}/${encodeURIComponent(id)}`);
        output(args, args.flags.json ? { revoked: id } : `Revoked token ${id}`);
      },
    }),
};
