// GET /api/v1/tenants/{tenant}/cluster-placements: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../api/routes.ts';

const route = apiRoutes['/tenants/{tenant}/cluster-placements']!;
export const GET = route.GET!.handler;
