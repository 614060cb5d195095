// GET /api/v1/users/{user}/tokens: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../api/routes.ts';

const route = apiRoutes['/users/{user}/tokens']!;
export const GET = route.GET!.handler;
