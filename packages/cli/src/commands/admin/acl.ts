/** `samsa acl add|list|remove --tenant T`: ACL bindings, raw or from presets. */
import type { Command } from '../types.ts';
import { apiRequest, CliError, COMMON_HELP, type ParsedArgs, output, runVerbs, str, tenantOf } from './api-client.ts';

/** One raw binding from the flags (also used by `samsa request create --kind acl`). */
export function rawBinding(args: ParsedArgs, serviceAccount: string) {
  return {
    principal: `User:${serviceAccount}`,
    resourceType: (str(args, 'resource-type', true) ?? '').toUpperCase(),
    resourceName: str(args, 'resource', true),
    operation: (str(args, 'operation', true) ?? '').toUpperCase(),
    patternType: (str(args, 'pattern') ?? 'LITERAL').toUpperCase(),
    permission: args.flags.deny ? 'DENY' : 'ALLOW',
    host: str(args, 'host') ?? '*',
  };
}

export const acl: Command = {
  summary: 'manage ACL bindings: add (raw or preset), list, remove',
  help: `Usage:
  samsa acl list --tenant T
  samsa acl add --tenant T --preset producer --service-account SA --topic TOPIC [--prefixed]
  samsa acl add --tenant T --preset consumer --service-account SA --topic TOPIC --group-prefix PREFIX [--prefixed]
  samsa acl add --tenant T --preset tenant_admin --service-account SA
  samsa acl add --tenant T --service-account SA --resource-type TOPIC|GROUP|CLUSTER|TRANSACTIONAL_ID|SUBJECT
                --resource NAME --operation OP [--pattern LITERAL|PREFIXED] [--deny] [--host HOST]

SUBJECT bindings are the schema registry's (the broker ignores them); their operations are ALL, READ, WRITE,
DELETE, DESCRIBE, DESCRIBE_CONFIGS and ALTER_CONFIGS. Names and operations are case-insensitive.
  samsa acl remove --tenant T ACL_ID

${COMMON_HELP}`,
  run: (argv) =>
    runVerbs(
      'acl',
      argv,
      {
        async list(args, t) {
          output(args, await apiRequest(t, 'GET', `/tenants/${tenantOf(args)}/acls`), [
            'id',
            'principal',
            'resourceType',
            'patternType',
            'resourceName',
            'operation',
            'permission',
            'host',
          ]);
        },
        async add(args, t) {
          const serviceAccount = str(args, 'service-account', true);
          const preset = str(args, 'preset');
          let body: unknown;
          if (preset === 'producer' || preset === 'consumer') {
            body = {
              preset,
              serviceAccount,
              topic: str(args, 'topic', true),
              prefixed: Boolean(args.flags.prefixed),
              ...(preset === 'consumer' ? { groupPrefix: str(args, 'group-prefix', true) } : {}),
            };
          } else if (preset === 'tenant_admin') {
            body = { preset, serviceAccount };
          } else if (preset) {
            throw new CliError(`unknown preset '${preset}': producer, consumer or tenant_admin`, 2);
          } else {
            body = { bindings: [rawBinding(args, serviceAccount)] };
          }
          output(args, await apiRequest(t, 'POST', `/tenants/${tenantOf(args)}/acls`, body), [
            'id',
            'principal',
            'resourceType',
            'resourceName',
            'operation',
            'permission',
          ]);
        },
        async remove(args, t) {
          const id = args.positional[0] ?? str(args, 'id');
          if (!id) throw new CliError('missing ACL_ID', 2);
          await apiRequest(t, 'DELETE', `/tenants/${tenantOf(args)}/acls/${encodeURIComponent(id)}`);
          output(args, args.flags.json ? { removed: id } : `Removed ${id}`);
        },
      },
      ['json', 'prefixed', 'deny'],
    ),
};
