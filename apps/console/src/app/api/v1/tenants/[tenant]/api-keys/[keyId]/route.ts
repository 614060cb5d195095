// DELETE /api/v1/tenants/{tenant}/api-keys/{keyId}: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../../api/routes.ts';

const route = apiRoutes['/tenants/{tenant}/api-keys/{keyId}']!;
export const DELETE = route.DELETE!.handler;
