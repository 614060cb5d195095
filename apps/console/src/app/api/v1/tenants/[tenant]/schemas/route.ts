// GET /api/v1/tenants/{tenant}/schemas: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../api/routes.ts';

const route = apiRoutes['/tenants/{tenant}/schemas']!;
export const GET = route.GET!.handler;
