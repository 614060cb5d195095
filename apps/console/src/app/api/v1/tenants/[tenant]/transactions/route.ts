// GET /api/v1/tenants/{tenant}/transactions: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../api/routes.ts';

const route = apiRoutes['/tenants/{tenant}/transactions']!;
export const GET = route.GET!.handler;
