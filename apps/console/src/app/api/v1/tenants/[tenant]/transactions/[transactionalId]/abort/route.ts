// POST /api/v1/tenants/{tenant}/transactions/{transactionalId}/abort: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../../../api/routes.ts';

const route = apiRoutes['/tenants/{tenant}/transactions/{transactionalId}/abort']!;
export const POST = route.POST!.handler;
