/** Builds the OpenAPI 3.1 document of /api/v1 from the route table and its zod schemas. */
import { z } from 'zod';
import { apiRoutes } from './routes.ts';

const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fieldErrors: z.record(z.string(), z.array(z.string())).optional(),
  }),
});

function schemaOf(s: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(s, { io, unrepresentable: 'any' });
}

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, spec] of Object.entries(apiRoutes)) {
    const item: Record<string, unknown> = {};
    for (const [method, op] of Object.entries(spec)) {
      if (!op) continue;
      const parameters: unknown[] = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      if (op.query) {
        const qs = schemaOf(op.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
        for (const [name, schema] of Object.entries(qs.properties ?? {})) {
          parameters.push({ name, in: 'query', required: qs.required?.includes(name) ?? false, schema });
        }
      }
      item[method.toLowerCase()] = {
        summary: op.summary,
        tags: [op.tag],
        'x-samsa-access': op.access,
        security: op.access === 'public' ? [] : [{ session: [] }, { token: [] }],
        parameters,
        ...(op.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(op.body, 'input') } } } }
          : {}),
        responses: {
          [op.status ?? 200]:
            op.status === 204
              ? { description: 'Done' }
              : {
                  description: 'OK',
                  content: {
                    [op.responseContentType ?? 'application/json']: {
                      schema: op.response ? schemaOf(op.response, 'output') : {},
                    },
                  },
                },
          default: {
            description: 'Error',
            content: { 'application/json': { schema: schemaOf(errorSchema, 'output') } },
          },
        },
      };
    }
    paths[`/api/v1${path}`] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Samsa control plane API',
      version: '1.0.0',
      description:
        'Tenants, topics, service accounts, API keys, ACLs, quotas, consumer groups with their lag, processors, and the audit log.',
    },
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'samsa_session' },
        token: {
          type: 'http',
          scheme: 'bearer',
          description: 'personal API token (samsa_pat_…) from POST /api/v1/auth/token',
        },
      },
    },
    paths,
  };
}
