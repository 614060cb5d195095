/**
 * How an API operation is declared: its handler (always built by `withAuth`/`withTenant` or explicitly public),
 * who may call it, and the zod schemas of its input and output, from which the OpenAPI document is generated.
 */
import type { z } from 'zod';

export type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Operation {
  summary: string;
  tag: string;
  /** Who may call it: public, any signed-in user, platform admins, or a role in the tenant of the URL. */
  access: 'public' | 'user' | 'platform_admin' | 'tenant_member' | 'tenant_admin';
  body?: z.ZodType;
  query?: z.ZodType;
  response?: z.ZodType;
  /** Media type of a success body when it is not one JSON document (e.g. a stream of NDJSON lines of `response`). */
  responseContentType?: string;
  /** Status of a success without body (e.g. 204). */
  status?: number;
  handler: Handler;
}

export type RouteSpec = Partial<Record<Method, Operation>>;
