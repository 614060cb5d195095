// POST /api/v1/tenants/{tenant}/requests/{id}/reject: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../../../api/routes.ts';

const route = apiRoutes['/tenants/{tenant}/requests/{id}/reject']!;
export const POST = route.POST!.handler;
