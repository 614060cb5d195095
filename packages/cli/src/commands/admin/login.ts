/** `samsa login`: exchanges email and password for a personal API token and saves it for the other commands. */
import type { Command } from '../types.ts';
import {
  apiRequest,
  CliError,
  COMMON_HELP,
  output,
  parseArgs,
  resolveTarget,
  saveCredentials,
  str,
} from './api-client.ts';

export const login: Command = {
  summary: 'sign in to the console and save an API token for the admin commands',
  help: `Usage: samsa login --url URL --email EMAIL --password PASSWORD [--name NAME] [--json]

Creates a personal API token and saves it (with the URL) in ~/.config/samsa/credentials.json (mode 0600).
The password may also come from SAMSA_PASSWORD.

${COMMON_HELP}`,
  async run(argv) {
    try {
      const args = parseArgs(argv);
      const target = resolveTarget(args);
      const email = str(args, 'email', true);
      const password = str(args, 'password') ?? process.env.SAMSA_PASSWORD;
      if (!password) throw new CliError('missing --password (or SAMSA_PASSWORD)', 2);
      const res = await apiRequest<{ token: string; prefix: string }>(
        { url: target.url, token: undefined },
        'POST',
        '/auth/token',
        {
          email,
          password,
          name: str(args, 'name') ?? 'cli',
        },
      );
      const file = saveCredentials(target.url, res.token);
      if (args.flags.json) output(args, { url: target.url, token: res.token, credentialsFile: file });
      else process.stdout.write(`Signed in to ${target.url} as ${email}; token ${res.prefix}… saved in ${file}\n`);
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
