// GET PUT DELETE /api/v1/tenants/{tenant}/processors/{name}: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../../api/routes.ts';

const route = apiRoutes['/tenants/{tenant}/processors/{name}']!;
export const GET = route.GET!.handler;
export const PUT = route.PUT!.handler;
export const DELETE = route.DELETE!.handler;
