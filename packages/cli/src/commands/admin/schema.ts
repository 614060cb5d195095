/**
 * `samsa schema list|get|register|check|delete|config --tenant T`: a tenant's subjects in the hub's schema registry,
 * through the console (which checks compatibility before it registers, and audits every change).
 */
import { readFileSync } from 'node:fs';
import type { Command } from '../types.ts';
import {
  apiRequest,
  CliError,
  COMMON_HELP,
  output,
  type ParsedArgs,
  readStdin,
  runVerbs,
  str,
  tenantOf,
} from './api-client.ts';

const TYPES: Record<string, string> = { avro: 'AVRO', protobuf: 'PROTOBUF', json: 'JSON' };

/** The tenant from --tenant only: the first positional word is the subject. */
const tenant = (args: ParsedArgs) => tenantOf({ ...args, positional: [] });

function subjectOf(args: ParsedArgs): string {
  const s = args.positional[0];
  if (!s) throw new CliError('missing SUBJECT (e.g. orders-value)', 2);
  return encodeURIComponent(s);
}

/** The schema text from --file (`-` for stdin) or piped stdin, and its format from --type (else by extension). */
async function schemaBody(args: ParsedArgs): Promise<{ schema: string; schemaType: string }> {
  const file = str(args, 'file');
  let schema: string;
  if (file && file !== '-') {
    try {
      schema = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read --file ${file}: ${(err as Error).message}`, 2);
    }
  } else if (file === '-' || !process.stdin.isTTY) schema = await readStdin();
  else throw new CliError('give the schema with --file PATH, or pipe it to stdin', 2);
  if (!schema.trim()) throw new CliError('the schema is empty', 2);
  const type = str(args, 'type') ?? (file?.endsWith('.proto') ? 'protobuf' : 'avro');
  const schemaType = TYPES[type.toLowerCase()];
  if (!schemaType) throw new CliError(`--type must be avro, protobuf or json, got '${type}'`, 2);
  return { schema, schemaType };
}

function versionOf(args: ParsedArgs): string | undefined {
  const v = str(args, 'version');
  if (v !== undefined && v !== 'latest' && !/^\d+$/.test(v)) {
    throw new CliError(`--version must be a number or 'latest', got '${v}'`, 2);
  }
  return v;
}

export const schema: Command = {
  summary: "a tenant's schemas: list subjects, show versions, register or check a schema, delete, set compatibility",
  help: `Usage:
  samsa schema list --tenant T
  samsa schema get --tenant T SUBJECT [--version N|latest]     (versions, then the schema text)
  samsa schema register --tenant T SUBJECT [--file PATH|-] [--type avro|protobuf|json]
  samsa schema check --tenant T SUBJECT [--file PATH|-] [--type avro|protobuf|json]
  samsa schema delete --tenant T SUBJECT [--version N] [--permanent] --yes
  samsa schema config --tenant T [SUBJECT] [--set LEVEL | --inherit]

The schema comes from --file, or stdin when piped; --type is avro unless the file ends in .proto. Register checks
compatibility first and refuses an incompatible schema with the reasons; check only checks (exit 1 when
incompatible). Deletes are soft first (clients no longer see the subject), then --permanent. LEVEL is one of
BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE, NONE; without SUBJECT, config is
the tenant's level; --inherit lets a subject follow the tenant's again. Members list, get and check; tenant admins
and platform admins change.

${COMMON_HELP}`,
  run: (argv) =>
    runVerbs(
      'schema',
      argv,
      {
        async list(args, t) {
          const res = await apiRequest(t, 'GET', `/tenants/${tenantOf(args)}/schemas`);
          if (args.flags.json) return output(args, res);
          if (res.topicsError) process.stderr.write(`warning: topics not read: ${res.topicsError}\n`);
          const rows = res.subjects.map((s: any) => ({
            ...s,
            compatibility: s.compatibilityOwn ? s.compatibility : `${s.compatibility} (tenant)`,
            topics: s.topics.map((x: any) => `${x.topic} (${x.part})`),
          }));
          output(args, rows, [
            'subject',
            'latestVersion',
            'latestId',
            'schemaType',
            'compatibility',
            'deleted',
            'topics',
          ]);
        },
        async get(args, t) {
          const version = versionOf(args);
          const base = `/tenants/${tenant(args)}/schemas/${subjectOf(args)}`;
          if (version !== undefined) {
            const v = await apiRequest(t, 'GET', `${base}/versions/${version}`);
            if (args.flags.json) return output(args, v);
            process.stdout.write(`${v.schema}\n`);
            return;
          }
          const res = await apiRequest(t, 'GET', base);
          if (args.flags.json) return output(args, res);
          process.stdout.write(
            `Subject ${res.subject}: ${res.schemaType}, compatibility ${res.compatibility}${res.compatibilityOwn ? '' : ' (the tenant level)'}` +
              `${res.deleted ? ', soft-deleted' : ''}${res.topics.length ? `, used by ${res.topics.map((x: any) => `${x.topic} (${x.part})`).join(', ')}` : ''}\n`,
          );
          output(args, res.versions, ['version', 'id', 'schemaType', 'deleted']);
          const latest = res.versions.findLast((v: any) => !v.deleted) ?? res.versions.at(-1);
          process.stdout.write(`\nVersion ${latest.version}:\n${latest.schema}\n`);
        },
        async register(args, t) {
          const body = await schemaBody(args);
          const subject = subjectOf(args);
          const res = await apiRequest(t, 'POST', `/tenants/${tenant(args)}/schemas/${subject}/versions`, body);
          if (args.flags.json) return output(args, res);
          process.stdout.write(
            res.created
              ? `Registered ${res.subject} version ${res.version} (schema id ${res.id}).\n`
              : `${res.subject} already has this schema as version ${res.version} (schema id ${res.id}); nothing changed.\n`,
          );
        },
        async check(args, t) {
          const body = await schemaBody(args);
          const subject = subjectOf(args);
          const res = await apiRequest(t, 'POST', `/tenants/${tenant(args)}/schemas/${subject}/check`, body);
          const against = res.checkedAgainst.length ? `version ${res.checkedAgainst.join(', ')}` : 'no version';
          if (args.flags.json) output(args, res);
          else if (res.compatible) process.stdout.write(`Compatible with ${against} under ${res.compatibility}.\n`);
          else {
            process.stdout.write(`Incompatible with ${against} under ${res.compatibility}:\n`);
            for (const m of res.messages) process.stdout.write(`  - ${m}\n`);
          }
          if (!res.compatible) throw new CliError('the schema is incompatible: registering it would be refused', 1);
        },
        async delete(args, t) {
          const version = versionOf(args);
          if (version === 'latest') throw new CliError('name the version to delete by its number', 2);
          const permanent = Boolean(args.flags.permanent);
          const what = `${args.positional[0] ?? ''}${version ? ` version ${version}` : ''}`;
          if (!args.flags.yes) {
            throw new CliError(
              `${permanent ? 'permanently deleting removes' : 'deleting hides'} ${what} from clients: add --yes`,
              2,
            );
          }
          const path = `/tenants/${tenant(args)}/schemas/${subjectOf(args)}${version ? `/versions/${version}` : ''}`;
          const res = await apiRequest(t, 'DELETE', `${path}${permanent ? '?permanent=true' : ''}`);
          if (args.flags.json) return output(args, res);
          process.stdout.write(
            `${permanent ? 'Permanently deleted' : 'Soft-deleted'} ${res.subject} version(s) ${res.versions.join(', ')}.\n`,
          );
        },
        async config(args, t) {
          const level = str(args, 'set');
          const inherit = Boolean(args.flags.inherit);
          const subject = args.positional[0];
          if (inherit && !subject) throw new CliError('--inherit needs a SUBJECT (the tenant level is the default)', 2);
          const path = subject
            ? `/tenants/${tenant(args)}/schemas/${encodeURIComponent(subject)}/config`
            : `/tenants/${tenant(args)}/schema-config`;
          const res =
            level !== undefined || inherit
              ? await apiRequest(t, 'PUT', path, { compatibility: inherit ? null : level?.toUpperCase() })
              : await apiRequest(t, 'GET', path);
          if (args.flags.json) return output(args, res);
          process.stdout.write(
            subject
              ? `${subject}: ${res.compatibility}${res.compatibilityOwn ? '' : ' (the tenant level)'}\n`
              : `Tenant level: ${res.compatibility}\n`,
          );
        },
      },
      ['json', 'yes', 'permanent', 'inherit'],
    ),
};
