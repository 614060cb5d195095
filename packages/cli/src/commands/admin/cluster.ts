/**
 * `samsa cluster add|list|show|update|pause|resume|remove|reconcile --name`: managed Apache Kafka clusters registered
 * in the console, over /api/v1/clusters (platform admins). `samsa cluster reconcile --bootstrap` (no --name) is the
 * direct mode in ../cluster.ts.
 */
import {
  apiRequest,
  CliError,
  COMMON_HELP,
  int,
  output,
  type ParsedArgs,
  promptHidden,
  readStdin,
  runVerbs,
  str,
} from './api-client.ts';

export const CLUSTER_REST_HELP = `Managed clusters registered in the console (platform admins):
  samsa cluster add --name NAME --bootstrap HOST:PORT[,...] --sasl-username USER [--sasl-mechanism M]
                    [--password-stdin] [--interval-ms N] [--paused]
                                signs in as USER and checks its rights first; nothing is stored when that fails
  samsa cluster list
  samsa cluster show --name NAME              brokers seen, tenants placed, last reports with drift in words
  samsa cluster update --name NAME [--sasl-username USER] [--sasl-mechanism M] [--password-stdin] [--interval-ms N]
  samsa cluster pause --name NAME | samsa cluster resume --name NAME
  samsa cluster remove --name NAME --yes      forgets it; nothing on the cluster is changed
  samsa cluster reconcile --name NAME [--dry-run]
                                runs a reconcile now in the console and prints its report

  The admin password: --password-stdin, else SAMSA_CLUSTER_SASL_PASSWORD, else a prompt without echo.
  Mechanisms: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 [SCRAM-SHA-512]; SASL_PLAINTEXT only (no TLS yet).

${COMMON_HELP}`;

function nameOf(args: ParsedArgs): string {
  const name = str(args, 'name') ?? args.positional[0];
  if (!name) throw new CliError('missing --name', 2);
  return encodeURIComponent(name);
}

async function clusterPassword(args: ParsedArgs, required: boolean): Promise<string | undefined> {
  let password: string | undefined;
  if (args.flags['password-stdin']) password = (await readStdin()).replace(/\r?\n$/, '');
  else password = process.env.SAMSA_CLUSTER_SASL_PASSWORD || undefined;
  if (password === undefined && required && process.stdin.isTTY) password = await promptHidden('Admin password: ');
  if (required && !password)
    throw new CliError(
      "missing the admin principal's password: pipe it to --password-stdin, set SAMSA_CLUSTER_SASL_PASSWORD, or run in a terminal",
      2,
    );
  return password;
}

interface Change {
  tenant: string;
  what: string;
}

/** A reconcile report as lines: each change, then the counts (with the cluster's status when the console gave one). */
export function printReport(report: {
  status?: string;
  dryRun: boolean;
  created: Change[];
  repaired: Change[];
  deleted: Change[];
  errors: (Change & { message: string })[];
  skipped: (Change & { reason: string })[];
}): void {
  const verb = report.dryRun ? 'would ' : '';
  const lines = [
    ...report.created.map((c) => `${verb}create   ${c.tenant}  ${c.what}`),
    ...report.repaired.map((c) => `${verb}repair   ${c.tenant}  ${c.what} (drift)`),
    ...report.deleted.map((c) => `${verb}delete   ${c.tenant}  ${c.what}`),
    ...report.errors.map((c) => `error    ${c.tenant}  ${c.what}: ${c.message}`),
    ...report.skipped.map((c) => `skipped  ${c.tenant}  ${c.what}: ${c.reason}`),
    `${report.dryRun ? 'dry run: ' : ''}${report.status ? `${report.status}: ` : ''}${report.created.length} created, ${report.repaired.length} repaired, ` +
      `${report.deleted.length} deleted, ${report.errors.length} refused, ${report.skipped.length} skipped`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const COLUMNS = ['name', 'bootstrap', 'paused', 'status', 'lastReconcileAt', 'lastError'];

export function runClusterRest(argv: string[]): Promise<number> {
  return runVerbs(
    'cluster',
    argv,
    {
      async add(args, t) {
        const body = {
          name: str(args, 'name', true),
          bootstrap: str(args, 'bootstrap', true),
          saslUsername: str(args, 'sasl-username', true),
          saslPassword: await clusterPassword(args, true),
          ...(str(args, 'sasl-mechanism') ? { saslMechanism: str(args, 'sasl-mechanism') } : {}),
          ...(int(args, 'interval-ms') !== undefined ? { reconcileIntervalMs: int(args, 'interval-ms') } : {}),
          ...(args.flags.paused ? { paused: true } : {}),
        };
        output(args, await apiRequest(t, 'POST', '/clusters', body));
      },
      async list(args, t) {
        output(args, await apiRequest(t, 'GET', '/clusters'), COLUMNS);
      },
      async show(args, t) {
        const c = await apiRequest(t, 'GET', `/clusters/${nameOf(args)}`);
        if (args.flags.json) return output(args, c);
        const { reports, brokers, tenants, ...rest } = c;
        output(args, rest);
        process.stdout.write(`brokers: ${brokers.map((b: any) => `${b.id}@${b.host}:${b.port}`).join(', ') || '-'}\n`);
        process.stdout.write(
          `tenants: ${tenants.map((x: any) => `${x.slug} (${x.topics} topics)`).join(', ') || '-'}\n`,
        );
        for (const r of reports) {
          const n = r.counts;
          process.stdout.write(
            `${r.startedAt}  ${r.trigger}  ${r.status}  ${n.created} created, ${n.repaired} repaired, ${n.deleted} deleted, ${n.refused} refused, ${n.skipped} skipped\n`,
          );
          for (const s of r.summary) process.stdout.write(`    ${s}\n`);
        }
      },
      async update(args, t) {
        const password = await clusterPassword(args, false);
        const body = {
          ...(str(args, 'sasl-username') ? { saslUsername: str(args, 'sasl-username') } : {}),
          ...(str(args, 'sasl-mechanism') ? { saslMechanism: str(args, 'sasl-mechanism') } : {}),
          ...(password ? { saslPassword: password } : {}),
          ...(int(args, 'interval-ms') !== undefined ? { reconcileIntervalMs: int(args, 'interval-ms') } : {}),
        };
        output(args, await apiRequest(t, 'PATCH', `/clusters/${nameOf(args)}`, body));
      },
      async pause(args, t) {
        output(args, await apiRequest(t, 'PATCH', `/clusters/${nameOf(args)}`, { paused: true }));
      },
      async resume(args, t) {
        output(args, await apiRequest(t, 'PATCH', `/clusters/${nameOf(args)}`, { paused: false }));
      },
      async remove(args, t) {
        if (!args.flags.yes) throw new CliError('add --yes to forget the cluster (nothing on it is changed)', 2);
        await apiRequest(t, 'DELETE', `/clusters/${nameOf(args)}`);
        process.stdout.write(`cluster ${str(args, 'name') ?? args.positional[0]} removed\n`);
      },
      async reconcile(args, t) {
        const report = await apiRequest(t, 'POST', `/clusters/${nameOf(args)}/reconcile`, {
          dryRun: Boolean(args.flags['dry-run']),
        });
        if (args.flags.json) output(args, report);
        else printReport(report);
        if (report.errors.length > 0) throw new CliError(`the cluster refused ${report.errors.length} change(s)`, 1);
      },
    },
    ['json', 'password-stdin', 'dry-run', 'paused', 'yes'],
  );
}
