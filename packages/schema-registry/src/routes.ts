/**
 * Confluent Schema Registry's REST API as a route table: method, path pattern, what the route needs of the caller
 * (an operation on the path's subject, the tenant's global settings, or nothing: listings filter what they return),
 * and the handler, which gets the caller's tenant, its access, the decoded path parameters, the query and the body.
 */
import { z } from 'zod';
import type { SubjectAccess, SubjectOperation } from './access.ts';
import { errors } from './errors.ts';
import { SCHEMA_TYPES, type SchemaType } from './formats/index.ts';
import type { SchemaInput, SchemaRegistry, VersionView } from './registry.ts';

export interface RouteContext {
  registry: SchemaRegistry;
  /** The tenant the request acts on; null for the platform admin without a context (only listings accept that). */
  tenantId: string | null;
  /** What the caller may do to the tenant's subjects. */
  access: SubjectAccess;
  /** The platform admin's listing across tenants: subjects named `:.<slug>:<subject>`. */
  allTenants: (() => Promise<{ id: string; slug: string }[]>) | null;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string[];
  /** Checked before the handler runs: an operation on the path's subject, the global settings, or nothing. */
  needs: SubjectOperation | 'global' | null;
  handle(ctx: RouteContext): Promise<unknown>;
}

const MAX_REFERENCES = 1000;

const referenceBody = z.object({
  name: z.string().min(1).max(1024),
  subject: z.string().min(1).max(255),
  version: z
    .number()
    .int()
    .min(-1)
    .max(2 ** 31 - 1),
});

const schemaBody = z.looseObject({
  schema: z.string().min(1),
  schemaType: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(SCHEMA_TYPES as [SchemaType, ...SchemaType[]]))
    .optional(),
  references: z.array(referenceBody).max(MAX_REFERENCES).nullish(),
  id: z
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1)
    .optional(),
  version: z
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1)
    .optional(),
});

const compatibilityBody = z.looseObject({
  compatibility: z.string().max(64).optional(),
  compatibilityLevel: z.string().max(64).optional(),
});
const modeBody = z.looseObject({ mode: z.string().max(64) });

function schemaInput(body: unknown): SchemaInput {
  const parsed = schemaBody.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    if (field === 'schema') throw errors.invalidSchema('the request has no schema');
    if (field === 'schemaType') throw errors.invalidSchema(`unknown schemaType (one of ${SCHEMA_TYPES.join(', ')})`);
    throw errors.unprocessable(`Invalid request body: ${field} ${issue?.message ?? ''}`.trim());
  }
  const b = parsed.data;
  return { schema: b.schema, schemaType: b.schemaType, references: b.references ?? [], id: b.id, version: b.version };
}

function tenant(ctx: RouteContext): string {
  if (ctx.tenantId === null) throw errors.subjectNotFound(ctx.params.subject ?? '');
  return ctx.tenantId;
}

function subject(ctx: RouteContext): string {
  return ctx.params.subject as string;
}

/** The version the path names (`?deleted=true` includes soft-deleted ones). */
function pathVersion(ctx: RouteContext): Promise<VersionView> {
  return ctx.registry.getVersion(tenant(ctx), subject(ctx), ctx.params.version as string, flag(ctx.query, 'deleted'));
}

function flag(query: URLSearchParams, name: string): boolean {
  return query.get(name) === 'true';
}

/** Confluent omits schemaType for Avro and references when there are none. */
function versionBody(v: VersionView): Record<string, unknown> {
  return {
    subject: v.subject,
    version: v.version,
    id: v.id,
    ...(v.schemaType === 'AVRO' ? {} : { schemaType: v.schemaType }),
    ...(v.references.length > 0 ? { references: v.references } : {}),
    schema: v.schema,
  };
}

function schemaId(raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1) throw errors.schemaNotFound();
  return n;
}

/** The path's schema id, when the caller may READ a subject that holds it (40403 when none does, 40301). */
async function readableSchema(ctx: RouteContext) {
  const id = schemaId(ctx.params.id);
  const uses = await ctx.registry.schemaUses(tenant(ctx), id, true);
  if (!uses.some((u) => ctx.access.may('READ', u.subject))) {
    throw errors.forbidden(`READ on a subject that holds schema ${id}`);
  }
  return ctx.registry.getSchema(tenant(ctx), id);
}

/** The subjects and versions that use the path's schema id and that the caller may see; it must read one of them. */
async function visibleUses(ctx: RouteContext): Promise<{ subject: string; version: number }[]> {
  await readableSchema(ctx);
  const uses = await ctx.registry.schemaUses(tenant(ctx), schemaId(ctx.params.id), flag(ctx.query, 'deleted'));
  return uses.filter((u) => ctx.access.may('DESCRIBE', u.subject));
}

/** A raw schema (the `/schema` sub-resources): the text itself, not a JSON object. */
export class RawSchema {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export const ROUTES: Route[] = [
  { method: 'GET', path: [], needs: null, handle: async () => ({}) },
  { method: 'GET', path: ['schemas', 'types'], needs: null, handle: async () => [...SCHEMA_TYPES] },
  {
    method: 'GET',
    path: ['schemas'],
    needs: null,
    handle: async (ctx) => {
      const offset = Math.max(0, Number(ctx.query.get('offset') ?? 0) || 0);
      const limitRaw = Number(ctx.query.get('limit') ?? -1);
      const limit = limitRaw > 0 ? Math.min(limitRaw, 10_000) : 10_000;
      const list = await ctx.registry.listSchemas(tenant(ctx), {
        deleted: flag(ctx.query, 'deleted'),
        latestOnly: flag(ctx.query, 'latestOnly'),
        prefix: ctx.query.get('subjectPrefix') ?? undefined,
        offset,
        limit,
        visible: (subject) => ctx.access.may('READ', subject),
      });
      return list.map(versionBody);
    },
  },
  {
    method: 'GET',
    path: ['schemas', 'ids', ':id'],
    needs: null,
    handle: async (ctx) => {
      const s = await readableSchema(ctx);
      return {
        ...(s.schemaType === 'AVRO' ? {} : { schemaType: s.schemaType }),
        ...(s.references.length > 0 ? { references: s.references } : {}),
        schema: s.schema,
      };
    },
  },
  {
    method: 'GET',
    path: ['schemas', 'ids', ':id', 'schema'],
    needs: null,
    handle: async (ctx) => new RawSchema((await readableSchema(ctx)).schema),
  },
  {
    method: 'GET',
    path: ['schemas', 'ids', ':id', 'subjects'],
    needs: null,
    handle: async (ctx) => [...new Set((await visibleUses(ctx)).map((u) => u.subject))],
  },
  {
    method: 'GET',
    path: ['schemas', 'ids', ':id', 'versions'],
    needs: null,
    handle: async (ctx) => visibleUses(ctx),
  },
  {
    method: 'GET',
    path: ['subjects'],
    needs: null,
    handle: async (ctx) => {
      const opts = { deleted: flag(ctx.query, 'deleted'), prefix: ctx.query.get('subjectPrefix') ?? undefined };
      if (ctx.tenantId !== null) {
        return ctx.registry.listSubjects(ctx.tenantId, {
          ...opts,
          visible: (subject) => ctx.access.may('DESCRIBE', subject),
        });
      }
      const out: string[] = [];
      for (const t of (await ctx.allTenants?.()) ?? []) {
        for (const s of await ctx.registry.listSubjects(t.id, { deleted: opts.deleted })) out.push(`:.${t.slug}:${s}`);
      }
      return opts.prefix ? out.filter((s) => s.startsWith(opts.prefix as string)) : out;
    },
  },
  {
    method: 'GET',
    path: ['subjects', ':subject', 'versions'],
    needs: 'DESCRIBE',
    handle: async (ctx) => ctx.registry.listVersions(tenant(ctx), subject(ctx), flag(ctx.query, 'deleted')),
  },
  {
    method: 'GET',
    path: ['subjects', ':subject', 'versions', ':version'],
    needs: 'READ',
    handle: async (ctx) => versionBody(await pathVersion(ctx)),
  },
  {
    method: 'GET',
    path: ['subjects', ':subject', 'versions', ':version', 'schema'],
    needs: 'READ',
    handle: async (ctx) => new RawSchema((await pathVersion(ctx)).schema),
  },
  {
    method: 'GET',
    path: ['subjects', ':subject', 'versions', ':version', 'referencedby'],
    needs: 'READ',
    handle: async (ctx) => ctx.registry.referencedBy(tenant(ctx), subject(ctx), ctx.params.version as string),
  },
  {
    method: 'POST',
    path: ['subjects', ':subject', 'versions'],
    needs: 'WRITE',
    handle: async (ctx) => ({
      id: await ctx.registry.register(tenant(ctx), subject(ctx), schemaInput(ctx.body)),
    }),
  },
  {
    method: 'POST',
    path: ['subjects', ':subject'],
    needs: 'READ',
    handle: async (ctx) =>
      versionBody(
        await ctx.registry.lookup(tenant(ctx), subject(ctx), schemaInput(ctx.body), flag(ctx.query, 'deleted')),
      ),
  },
  {
    method: 'DELETE',
    path: ['subjects', ':subject'],
    needs: 'DELETE',
    handle: async (ctx) => ctx.registry.deleteSubject(tenant(ctx), subject(ctx), flag(ctx.query, 'permanent')),
  },
  {
    method: 'DELETE',
    path: ['subjects', ':subject', 'versions', ':version'],
    needs: 'DELETE',
    handle: async (ctx) =>
      ctx.registry.deleteVersion(tenant(ctx), subject(ctx), ctx.params.version as string, flag(ctx.query, 'permanent')),
  },
  {
    method: 'POST',
    path: ['compatibility', 'subjects', ':subject', 'versions', ':version'],
    needs: 'READ',
    handle: async (ctx) => compatibilityAnswer(ctx, ctx.params.version as string),
  },
  {
    method: 'POST',
    path: ['compatibility', 'subjects', ':subject', 'versions'],
    needs: 'READ',
    handle: async (ctx) => compatibilityAnswer(ctx, null),
  },
  {
    method: 'GET',
    path: ['config'],
    needs: null,
    handle: async (ctx) => ({ compatibilityLevel: await ctx.registry.getCompatibility(tenant(ctx), null, true) }),
  },
  {
    method: 'PUT',
    path: ['config'],
    needs: 'global',
    handle: async (ctx) => ({ compatibility: await ctx.registry.setCompatibility(tenant(ctx), null, level(ctx.body)) }),
  },
  {
    method: 'DELETE',
    path: ['config'],
    needs: 'global',
    handle: async (ctx) => ({ compatibilityLevel: await ctx.registry.deleteCompatibility(tenant(ctx), null) }),
  },
  {
    method: 'GET',
    path: ['config', ':subject'],
    needs: 'DESCRIBE_CONFIGS',
    handle: async (ctx) => ({
      compatibilityLevel: await ctx.registry.getCompatibility(
        tenant(ctx),
        subject(ctx),
        flag(ctx.query, 'defaultToGlobal'),
      ),
    }),
  },
  {
    method: 'PUT',
    path: ['config', ':subject'],
    needs: 'ALTER_CONFIGS',
    handle: async (ctx) => ({
      compatibility: await ctx.registry.setCompatibility(tenant(ctx), subject(ctx), level(ctx.body)),
    }),
  },
  {
    method: 'DELETE',
    path: ['config', ':subject'],
    needs: 'ALTER_CONFIGS',
    handle: async (ctx) => ({
      compatibilityLevel: await ctx.registry.deleteCompatibility(tenant(ctx), subject(ctx)),
    }),
  },
  {
    method: 'GET',
    path: ['mode'],
    needs: null,
    handle: async (ctx) => ({ mode: await ctx.registry.getMode(tenant(ctx), null, true) }),
  },
  {
    method: 'PUT',
    path: ['mode'],
    needs: 'global',
    handle: async (ctx) => ({
      mode: await ctx.registry.setMode(tenant(ctx), null, mode(ctx.body), flag(ctx.query, 'force')),
    }),
  },
  {
    method: 'DELETE',
    path: ['mode'],
    needs: 'global',
    handle: async (ctx) => ({ mode: await ctx.registry.deleteMode(tenant(ctx), null) }),
  },
  {
    method: 'GET',
    path: ['mode', ':subject'],
    needs: 'DESCRIBE_CONFIGS',
    handle: async (ctx) => ({
      mode: await ctx.registry.getMode(tenant(ctx), subject(ctx), flag(ctx.query, 'defaultToGlobal')),
    }),
  },
  {
    method: 'PUT',
    path: ['mode', ':subject'],
    needs: 'ALTER_CONFIGS',
    handle: async (ctx) => ({
      mode: await ctx.registry.setMode(tenant(ctx), subject(ctx), mode(ctx.body), flag(ctx.query, 'force')),
    }),
  },
  {
    method: 'DELETE',
    path: ['mode', ':subject'],
    needs: 'ALTER_CONFIGS',
    handle: async (ctx) => ({ mode: await ctx.registry.deleteMode(tenant(ctx), subject(ctx)) }),
  },
];

async function compatibilityAnswer(ctx: RouteContext, version: string | null): Promise<unknown> {
  const result = await ctx.registry.checkCompatibility(tenant(ctx), subject(ctx), version, schemaInput(ctx.body));
  return flag(ctx.query, 'verbose')
    ? { is_compatible: result.compatible, messages: result.messages }
    : { is_compatible: result.compatible };
}

function level(body: unknown): string {
  const parsed = compatibilityBody.safeParse(body);
  const value = parsed.success ? (parsed.data.compatibility ?? parsed.data.compatibilityLevel) : undefined;
  if (!value) throw errors.invalidCompatibility(String(value ?? ''));
  return value;
}

function mode(body: unknown): string {
  const parsed = modeBody.safeParse(body);
  if (!parsed.success) throw errors.invalidMode('');
  return parsed.data.mode;
}

/** The route for a method and path (segments already decoded), with its parameters; null when none matches. */
export function matchRoute(
  method: string,
  segments: string[],
): { route: Route; params: Record<string, string> } | { methodNotAllowed: true } | null {
  let pathMatched = false;
  for (const route of ROUTES) {
    if (route.path.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segments.length; i++) {
      const p = route.path[i] as string;
      if (p.startsWith(':')) params[p.slice(1)] = segments[i] as string;
      else if (p !== segments[i]) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    pathMatched = true;
    if (route.method === method) return { route, params };
  }
  return pathMatched ? { methodNotAllowed: true } : null;
}
