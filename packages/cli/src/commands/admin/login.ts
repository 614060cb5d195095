/** `samsa login`: exchanges email and password for a personal API token and saves it for the other commands. */
import type { Command } from '../types.ts';
import {
  apiRequest,
  CliError,
  COMMON_HELP,
  int,
  output,
  parseArgs,
  readPassword,
  resolveUrl,
  saveCredentials,
  str,
} from './api-client.ts';

export const login: Command = {
  summary: 'sign in to the console and save an API token for the admin commands',
  help: `Usage: samsa login --url URL --email EMAIL [--password-stdin] [--name NAME] [--expires-in-days N] [--json]

Creates a personal API token and saves it with the URL in ~/.config/samsa/credentials.json (mode 0600); the other
commands send it only to that URL. The token expires after --expires-in-days (default 90, at most 365 unless the
console allows more); list and revoke tokens with 'samsa token'.

The password: --password-stdin reads it from standard input (e.g. from a secret store), else SAMSA_PASSWORD, else
a prompt without echo when run in a terminal. --password PASSWORD also works, but other local users can see it
in the process list.

${COMMON_HELP}`,
  async run(argv) {
    try {
      const args = parseArgs(argv, ['json', 'password-stdin']);
      const url = resolveUrl(args);
      const email = str(args, 'email', true);
      const expiresInDays = int(args, 'expires-in-days');
      const password = await readPassword(args);
      const res = await apiRequest<{ token: string; prefix: string; expiresAt: string }>(
        { url, token: undefined },
        'POST',
        '/auth/token',
        { email, password, name: str(args, 'name') ?? 'cli', ...(expiresInDays ? { expiresInDays } : {}) },
      );
      const file = saveCredentials(url, res.token);
      if (args.flags.json) output(args, { url, token: res.token, expiresAt: res.expiresAt, credentialsFile: file });
      else
        process.stdout.write(
          `Signed in to ${url} as ${email}; token ${res.prefix}… (expires ${res.expiresAt}) saved in ${file}\n`,
        );
      return 0;
    } catch (err) {
      if (err instanceof CliError) {
        process.stderr.write(`samsa login: ${err.message}\n`);
        return err.exitCode;
      }
      throw err;
    }
  },
};
