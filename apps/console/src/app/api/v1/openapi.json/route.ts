// GET /api/v1/openapi.json: the OpenAPI document, generated from the same zod schemas as the routes.
import { openApiDocument } from '../../../../api/openapi.ts';

export const dynamic = 'force-static';

export function GET(): Response {
  return Response.json(openApiDocument());
}
