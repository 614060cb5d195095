// GET /api/v1/tenants/{tenant}/processors/{name}/versions: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../../../api/routes.ts';

const route = apiRoutes['/tenants/{tenant}/processors/{name}/versions']!;
export const GET = route.GET!.handler;
