// DELETE /api/v1/tenants/{tenant}/service-accounts/{name}: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../../api/routes.ts';

const route = apiRoutes['/tenants/{tenant}/service-accounts/{name}']!;
export const DELETE = route.DELETE!.handler;
