/** `samsa topic create|list|describe|delete|search --tenant T`: a tenant's topics through the console. */
import type { Command } from '../types.ts';
import {
  apiRequest,
  CliError,
  COMMON_HELP,
  int,
  output,
  type ParsedArgs,
  runVerbs,
  str,
  tenantOf,
} from './api-client.ts';
import { SEARCH_HELP, searchTopic } from './topic-search.ts';

const nameOf = (positional: string[]): string => {
  if (!positional[0]) throw new CliError('missing topic name', 2);
  return encodeURIComponent(positional[0]);
};

/** The body of a topic creation from the create flags (also used by `samsa request create --kind topic`). */
export function topicCreateBody(args: ParsedArgs, name: string): Record<string, unknown> {
  const body: Record<string, unknown> = { name, partitions: int(args, 'partitions') ?? 1 };
  if (int(args, 'retention-ms') !== undefined) body.retentionMs = int(args, 'retention-ms');
  if (int(args, 'max-message-bytes') !== undefined) body.maxMessageBytes = int(args, 'max-message-bytes');
  if (str(args, 'cleanup-policy')) body.cleanupPolicy = str(args, 'cleanup-policy');
  if (str(args, 'description')) body.description = str(args, 'description');
  if (str(args, 'owner-team')) body.ownerTeam = str(args, 'owner-team');
  if (str(args, 'tags'))
    body.tags = str(args, 'tags')!
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return body;
}

export const topic: Command = {
  summary: "manage a tenant's topics: create, list, describe, delete, search messages",
  help: `Usage:
  samsa topic create --tenant T NAME [--partitions N] [--retention-ms N] [--cleanup-policy delete|compact]
                     [--max-message-bytes N] [--description TEXT] [--owner-team TEAM] [--tags a,b]
  samsa topic list --tenant T
  samsa topic describe --tenant T NAME
  samsa topic delete --tenant T NAME --yes
${SEARCH_HELP}

${COMMON_HELP}`,
  run: (argv) =>
    runVerbs(
      'topic',
      argv,
      {
        async create(args, t) {
          const name = args.positional[0];
          if (!name) throw new CliError('missing topic name', 2);
          const body = topicCreateBody(args, name);
          output(args, await apiRequest(t, 'POST', `/tenants/${tenantOf({ ...args, positional: [] })}/topics`, body));
        },
        async list(args, t) {
          const res = await apiRequest(t, 'GET', `/tenants/${tenantOf(args)}/topics`);
          if (res.clusterError && !args.flags.json) process.stderr.write(`warning: ${res.clusterError}\n`);
          output(args, args.flags.json ? res : res.topics, [
            'name',
            'partitions',
            'messages',
            'ownerTeam',
            'description',
          ]);
        },
        async describe(args, t) {
          const res = await apiRequest(
            t,
            'GET',
            `/tenants/${tenantOf({ ...args, positional: [] })}/topics/${nameOf(args.positional)}`,
          );
          if (args.flags.json) return output(args, res);
          process.stdout.write(`Topic ${res.name}: ${res.partitions} partition(s), ${res.messages} message(s)\n`);
          output(args, res.partitionDetails, ['partition', 'leader', 'startOffset', 'endOffset', 'messages']);
          process.stdout.write('\nConfigs:\n');
          for (const [k, v] of Object.entries(res.configs ?? {})) process.stdout.write(`  ${k}=${v}\n`);
        },
        async delete(args, t) {
          if (!args.flags.yes) throw new CliError('deleting a topic removes its data: add --yes to confirm', 2);
          await apiRequest(
            t,
            'DELETE',
            `/tenants/${tenantOf({ ...args, positional: [] })}/topics/${nameOf(args.positional)}`,
          );
          output(args, args.flags.json ? { deleted: args.positional[0] } : `Deleted topic ${args.positional[0]}`);
        },
        search: searchTopic,
      },
      ['json', 'yes', 'case-sensitive', 'exists'],
    ),
};
