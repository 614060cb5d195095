/** `samsa tenant create|list|get|suspend|resume|delete`: platform-admin tenant management over /api/v1. */
import type { Command } from '../types.ts';
import { apiRequest, CliError, COMMON_HELP, output, runVerbs, str } from './api-client.ts';
import { quotaFlags } from './quota.ts';

const slugOf = (positional: string[]): string => {
  if (!positional[0]) throw new CliError('missing tenant slug', 2);
  return encodeURIComponent(positional[0]);
};

export const tenant: Command = {
  summary: 'manage tenants: create, list, get, suspend, resume, delete',
  help: `Usage:
  samsa tenant create SLUG [--name NAME] [--plan PLAN] [quota flags]
  samsa tenant list
  samsa tenant get SLUG
  samsa tenant suspend SLUG | samsa tenant resume SLUG
  samsa tenant delete SLUG --yes        starts deleting it with its topics, groups and data (runs in the console)

Quota flags: --max-topics N --max-partitions N --storage-bytes N --produce-bytes-per-sec N
             --fetch-bytes-per-sec N --max-connections N --request-percentage N

${COMMON_HELP}`,
  run: (argv) =>
    runVerbs(
      'tenant',
      argv,
      {
        async create(args, t) {
          const slug = args.positional[0];
          if (!slug) throw new CliError('missing tenant slug', 2);
          const quota = quotaFlags(args);
          const res = await apiRequest(t, 'POST', '/tenants', {
            slug,
            displayName: str(args, 'name') ?? slug,
            ...(str(args, 'plan') ? { plan: str(args, 'plan') } : {}),
            ...(Object.keys(quota).length ? { quota } : {}),
          });
          output(args, res);
        },
        async list(args, t) {
          const rows = await apiRequest<any[]>(t, 'GET', '/tenants');
          output(
            args,
            args.flags.json
              ? rows
              : rows.map((r) => ({ ...r, topics: r.usage?.topics, partitions: r.usage?.partitions })),
            ['slug', 'displayName', 'status', 'plan', 'topics', 'partitions'],
          );
        },
        async get(args, t) {
          output(args, await apiRequest(t, 'GET', `/tenants/${slugOf(args.positional)}`));
        },
        async suspend(args, t) {
          output(args, await apiRequest(t, 'PATCH', `/tenants/${slugOf(args.positional)}`, { status: 'SUSPENDED' }));
        },
        async resume(args, t) {
          output(args, await apiRequest(t, 'PATCH', `/tenants/${slugOf(args.positional)}`, { status: 'ACTIVE' }));
        },
        async delete(args, t) {
          if (!args.flags.yes)
            throw new CliError('deleting a tenant removes its topics and data: add --yes to confirm', 2);
          const deletion = await apiRequest(t, 'DELETE', `/tenants/${slugOf(args.positional)}`);
          output(
            args,
            args.flags.json
              ? deletion
              : `Deleting tenant ${args.positional[0]}: its connections are cut; its slug is free once the deletion has finished`,
          );
        },
      },
      ['json', 'yes'],
    ),
};
