/**
 * `samsa request list|show|create|approve|reject|cancel|key|mode --tenant T`: self-service requests for topics, ACL
 * bindings, API keys and quota raises, and the tenant's self-service mode, through the console.
 */
import type { Command } from '../types.ts';
import { rawBinding } from './acl.ts';
import { apiRequest, CliError, COMMON_HELP, type ParsedArgs, output, runVerbs, str, tenantOf } from './api-client.ts';
import { quotaFlags } from './quota.ts';
import { topicCreateBody } from './topic.ts';

const tenantPath = (args: ParsedArgs) => `/tenants/${tenantOf({ ...args, positional: [] })}`;

function idOf(args: ParsedArgs): string {
  const id = args.positional[0] ?? str(args, 'id');
  if (!id) throw new CliError('missing REQUEST_ID', 2);
  return encodeURIComponent(id);
}

function createBody(args: ParsedArgs): Record<string, unknown> {
  const kind = str(args, 'kind', true).toLowerCase();
  const reason = str(args, 'reason', true);
  switch (kind) {
    case 'topic': {
      const name = args.positional[0];
      if (!name) throw new CliError('missing topic name', 2);
      return { kind: 'TOPIC', reason, topic: topicCreateBody(args, name) };
    }
    case 'acl':
      return { kind: 'ACL', reason, bindings: [rawBinding(args, str(args, 'service-account', true))] };
    case 'key':
      return {
        kind: 'API_KEY',
        reason,
        apiKey: { serviceAccount: str(args, 'service-account', true), description: str(args, 'description') ?? '' },
      };
    case 'quota':
      return { kind: 'QUOTA', reason, quota: quotaFlags(args) };
    default:
      throw new CliError(`unknown --kind '${kind}': topic, acl, key or quota`, 2);
  }
}

function printRequest(args: ParsedArgs, r: any): void {
  if (args.flags.json) {
    output(args, r);
    return;
  }
  process.stdout.write(
    `${r.id}  ${r.state}  ${r.title}\n  asked by ${r.requesterEmail} at ${r.createdAt}: ${r.reason}\n` +
      (r.deciderEmail ? `  decided by ${r.deciderEmail} at ${r.decidedAt}: ${r.decisionComment ?? ''}\n` : '') +
      (r.impact ?? [])
        .map(
          (l: any) =>
            `  ${l.what}: ${l.used ?? '?'} now, ${l.after ?? '?'} after, limit ${l.limit ?? 'none'}${l.exceeds ? '  OVER THE LIMIT' : ''}\n`,
        )
        .join(''),
  );
}

export const request: Command = {
  summary: 'self-service requests (topic, ACL, API key, quota raise): list, create, approve, reject',
  help: `Usage:
  samsa request list --tenant T [--state PENDING|APPROVED|COMPLETED|REJECTED|CANCELLED] [--mine]
  samsa request list --all [--kind TOPIC|ACL|API_KEY|QUOTA]   (platform admins: pending requests of every tenant)
  samsa request show --tenant T REQUEST_ID
  samsa request create --tenant T --kind topic NAME --reason TEXT [--partitions N] [--retention-ms N] [...topic create flags]
  samsa request create --tenant T --kind acl --service-account SA --resource-type TOPIC|GROUP|... --resource NAME
                       --operation OP [--pattern LITERAL|PREFIXED] [--deny] --reason TEXT
  samsa request create --tenant T --kind key --service-account SA [--description TEXT] --reason TEXT
  samsa request create --tenant T --kind quota [--max-topics N] [--max-partitions N] [...quota set flags] --reason TEXT
  samsa request approve --tenant T REQUEST_ID [--comment TEXT]
  samsa request reject --tenant T REQUEST_ID --comment TEXT
  samsa request cancel --tenant T REQUEST_ID
  samsa request key --tenant T REQUEST_ID      (the requester creates an approved API key; prints the secret once)
  samsa request mode --tenant T [REQUEST|DIRECT]  (show, or as a tenant admin set, whether members must request)

Tenant admins decide topic, ACL and key requests; platform admins decide quota raises.

${COMMON_HELP}`,
  run: (argv) =>
    runVerbs(
      'request',
      argv,
      {
        async list(args, t) {
          if (args.flags.all) {
            const kind = str(args, 'kind');
            const res = await apiRequest(
              t,
              'GET',
              `/requests${kind ? `?kind=${encodeURIComponent(kind.toUpperCase())}` : ''}`,
            );
            output(args, args.flags.json ? res : res.requests, [
              'id',
              'tenant',
              'title',
              'requesterEmail',
              'createdAt',
            ]);
            return;
          }
          const q = new URLSearchParams();
          if (str(args, 'state')) q.set('state', str(args, 'state')!.toUpperCase());
          if (args.flags.mine) q.set('mine', 'true');
          const res = await apiRequest(t, 'GET', `${tenantPath(args)}/requests?${q}`);
          output(args, args.flags.json ? res : res.requests, ['id', 'state', 'title', 'requesterEmail', 'createdAt']);
        },
        async show(args, t) {
          printRequest(args, await apiRequest(t, 'GET', `${tenantPath(args)}/requests/${idOf(args)}`));
        },
        async create(args, t) {
          printRequest(args, await apiRequest(t, 'POST', `${tenantPath(args)}/requests`, createBody(args)));
        },
        async approve(args, t) {
          const body = { comment: str(args, 'comment') ?? '' };
          printRequest(args, await apiRequest(t, 'POST', `${tenantPath(args)}/requests/${idOf(args)}/approve`, body));
        },
        async reject(args, t) {
          const body = { comment: str(args, 'comment', true) };
          printRequest(args, await apiRequest(t, 'POST', `${tenantPath(args)}/requests/${idOf(args)}/reject`, body));
        },
        async cancel(args, t) {
          printRequest(args, await apiRequest(t, 'POST', `${tenantPath(args)}/requests/${idOf(args)}/cancel`));
        },
        async key(args, t) {
          const res = await apiRequest(t, 'POST', `${tenantPath(args)}/requests/${idOf(args)}/api-key`);
          if (args.flags.json) return output(args, res);
          process.stdout.write(
            `Key id:   ${res.keyId}\nSecret:   ${res.secret}\nBootstrap: ${res.bootstrap}\n\nThe secret is shown only this once.\n`,
          );
        },
        async mode(args, t) {
          const mode = args.positional[0]?.toUpperCase();
          const path = `${tenantPath(args)}/self-service`;
          output(args, mode ? await apiRequest(t, 'PUT', path, { mode }) : await apiRequest(t, 'GET', path));
        },
      },
      ['json', 'mine', 'deny', 'all'],
    ),
};
