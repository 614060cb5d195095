// DELETE /api/v1/users/{user}/tokens/{id}: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../../api/routes.ts';

const route = apiRoutes['/users/{user}/tokens/{id}']!;
export const DELETE = route.DELETE!.handler;
