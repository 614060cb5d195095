/** `samsa tenant create|list|get|suspend|resume|delete`: platform-admin tenant management over /api/v1. */
import type { Command } from '../types.ts';
import { apiRequest, CliError, COMMON_HELP, int, output, runVerbs, str } from './api-client.ts';
import { quotaFlags } from './quota.ts';

/** How long `tenant delete` waits for the deletion to finish, unless --no-wait or --timeout-ms say otherwise. */
const DELETE_WAIT_DEFAULT_MS = 300_000;
const DELETE_POLL_INTERVAL_MS = 500;

interface DeletionView {
  id: string;
  slug: string;
  state: 'deleting' | 'deleted';
  attempts: number;
  lastError: string | null;
  removed: Record<string, number>;
}

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
  samsa tenant deletions                deletions in progress and finished, with what they removed
  samsa tenant delete SLUG --yes [--no-wait] [--timeout-ms N]
                                        deletes it with its topics, groups and data (a job in the console); waits
                                        for it to finish [300000 ms] showing progress, unless --no-wait

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
          const slug = args.positional[0];
          let deletion = await apiRequest<DeletionView>(t, 'DELETE', `/tenants/${slugOf(args.positional)}`);
          if (args.flags['no-wait']) {
            output(
              args,
              args.flags.json
                ? deletion
                : `Deleting tenant ${slug}: its connections are cut; its slug is free once the deletion has finished (samsa tenant deletions)`,
            );
            return;
          }
          const timeoutMs = int(args, 'timeout-ms') ?? DELETE_WAIT_DEFAULT_MS;
          const deadline = Date.now() + timeoutMs;
          let shown = '';
          while (deletion.state !== 'deleted') {
            const progress = `deleting tenant ${slug}: attempt ${deletion.attempts}${deletion.lastError ? `, last error: ${deletion.lastError}` : ''}`;
            if (progress !== shown) process.stderr.write(`${progress}\n`);
            shown = progress;
            if (Date.now() > deadline) {
              throw new CliError(
                `tenant ${slug} is still being deleted after ${timeoutMs} ms; it goes on in the console: see 'samsa tenant deletions'`,
              );
            }
            await new Promise((r) => setTimeout(r, DELETE_POLL_INTERVAL_MS));
            const all = await apiRequest<DeletionView[]>(t, 'GET', '/tenant-deletions');
            deletion = all.find((d) => d.id === deletion.id) ?? deletion;
          }
          const r = deletion.removed;
          output(
            args,
            args.flags.json
              ? deletion
              : `Deleted tenant ${slug}: ${r.topics ?? 0} topics, ${r.groups ?? 0} groups, ${r.offsets ?? 0} committed offsets, ${r.apiKeys ?? 0} API keys, ${r.aclBindings ?? 0} ACL bindings`,
          );
        },
        async deletions(args, t) {
          output(args, await apiRequest(t, 'GET', '/tenant-deletions'), [
            'slug',
            'state',
            'requestedBy',
            'startedAt',
            'finishedAt',
            'attempts',
            'lastError',
          ]);
        },
      },
      ['json', 'yes', 'no-wait'],
    ),
};
