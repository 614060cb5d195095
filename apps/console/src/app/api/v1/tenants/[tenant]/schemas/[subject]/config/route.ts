// GET PUT /api/v1/tenants/{tenant}/schemas/{subject}/config: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../../../api/routes.ts';

const route = apiRoutes['/tenants/{tenant}/schemas/{subject}/config']!;
export const GET = route.GET!.handler;
export const PUT = route.PUT!.handler;
