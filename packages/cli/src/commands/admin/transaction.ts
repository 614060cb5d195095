/**
 * `samsa transaction list|abort --tenant T`: a tenant's transactional ids (open first, hanging ones flagged) and the
 * abort that fences one (as Kafka's Admin.fenceProducers does), through the console.
 */
import type { Command } from '../types.ts';
import { apiRequest, CliError, COMMON_HELP, output, runVerbs, str, tenantOf } from './api-client.ts';

export const transaction: Command = {
  summary: "a tenant's transactions: list them (hanging ones flagged), abort one by fencing its transactional id",
  help: `Usage:
  samsa transaction list --tenant T        (open first; --json adds partitions and hanging partitions)
  samsa transaction list --all             (platform admins: every tenant's)
  samsa transaction abort --tenant T TRANSACTIONAL_ID --yes

Abort fences the id as Kafka's Admin.fenceProducers does: its epoch is bumped, the open transaction is aborted and
the producer using the id gets PRODUCER_FENCED. Members list; tenant admins and platform admins abort.

${COMMON_HELP}`,
  run: (argv) =>
    runVerbs(
      'transaction',
      argv,
      {
        async list(args, t) {
          const res = await apiRequest(
            t,
            'GET',
            args.flags.all ? '/transactions' : `/tenants/${tenantOf(args)}/transactions`,
          );
          if (args.flags.json) return output(args, res);
          const rows = res.transactions.map((x: any) => ({
            ...x,
            producer: `${x.producerId}/${x.producerEpoch}`,
            openForS: x.openForMs === null ? '' : Math.round(x.openForMs / 1000),
            timeoutS: Math.round(x.timeoutMs / 1000),
            partitions: x.partitions.map((p: any) => `${p.topic}-${p.partition}`).join(','),
            hanging: x.hanging.join('; '),
          }));
          output(args, rows, [
            ...(args.flags.all ? ['tenant'] : []),
            'transactionalId',
            'state',
            'producer',
            'partitions',
            'openForS',
            'timeoutS',
            'hanging',
          ]);
          for (const p of res.hangingPartitions)
            process.stdout.write(`hanging: ${p.tenant ? `${p.tenant}: ` : ''}${p.reason}\n`);
        },
        async abort(args, t) {
          const id = args.positional[0] ?? str(args, 'id');
          if (!id) throw new CliError('missing TRANSACTIONAL_ID', 2);
          if (!args.flags.yes) throw new CliError(`aborting fences '${id}' (its producer must restart): add --yes`, 2);
          const res = await apiRequest(
            t,
            'POST',
            `/tenants/${tenantOf({ ...args, positional: [] })}/transactions/${encodeURIComponent(id)}/abort`,
          );
          if (args.flags.json) return output(args, res);
          process.stdout.write(
            `${res.aborted ? `Aborted the open transaction of ${id}` : `${id} had no open transaction`}; ` +
              `its producer is fenced (producer id ${res.producerId}, epoch now ${res.producerEpoch}).\n`,
          );
        },
      },
      ['json', 'all', 'yes'],
    ),
};
