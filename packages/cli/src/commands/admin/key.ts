/** `samsa key create|list|revoke --tenant T`: API keys of service accounts. `create` prints the secret once. */
import type { Command } from '../types.ts';
import { apiRequest, CliError, COMMON_HELP, output, runVerbs, str, tenantOf } from './api-client.ts';

export const key: Command = {
  summary: 'manage API keys: create (prints the secret once), list, revoke',
  help: `Usage:
  samsa key create --tenant T --service-account NAME [--description TEXT]
  samsa key list --tenant T
  samsa key revoke --tenant T KEY_ID

'create' prints the key id and the secret, which is never shown again; with --json they are the fields
"keyId" and "secret", with ready-made client configs in "configs".

${COMMON_HELP}`,
  run: (argv) =>
    runVerbs('key', argv, {
      async create(args, t) {
        const res = await apiRequest(t, 'POST', `/tenants/${tenantOf(args)}/api-keys`, {
          serviceAccount: str(args, 'service-account', true),
          description: str(args, 'description') ?? '',
        });
        if (args.flags.json) return output(args, res);
        process.stdout.write(
          `Key id:   ${res.keyId}\nSecret:   ${res.secret}\nBootstrap: ${res.bootstrap}  (SASL SCRAM-SHA-512 or PLAIN)\n\nThe secret is shown only this once.\n`,
        );
      },
      async list(args, t) {
        output(args, await apiRequest(t, 'GET', `/tenants/${tenantOf(args)}/api-keys`), [
          'keyId',
          'serviceAccount',
          'description',
          'createdAt',
          'revokedAt',
        ]);
      },
      async revoke(args, t) {
        const keyId = args.positional[0] ?? str(args, 'key');
        if (!keyId) throw new CliError('missing KEY_ID', 2);
        await apiRequest(t, 'DELETE', `/tenants/${tenantOf(args)}/api-keys/${encodeURIComponent(keyId)}`);
        output(args, args.flags.json ? { revoked: keyId } : `Revoked ${keyId}`);
      },
    }),
};
