// POST /api/v1/tenants/{tenant}/webhook/test: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../../api/routes.ts';

const route = apiRoutes['/tenants/{tenant}/webhook/test']!;
export const POST = route.POST!.handler;
