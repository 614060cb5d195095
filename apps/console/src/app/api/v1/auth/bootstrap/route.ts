// POST /api/v1/auth/bootstrap: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../api/routes.ts';

const route = apiRoutes['/auth/bootstrap']!;
export const POST = route.POST!.handler;
