// POST /api/v1/tenants/{tenant}/processors/{name}/test-run: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../../../api/routes.ts';

const route = apiRoutes['/tenants/{tenant}/processors/{name}/test-run']!;
export const POST = route.POST!.handler;
