// POST /api/v1/auth/logout: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../api/routes.ts';

const route = apiRoutes['/auth/logout']!;
export const POST = route.POST!.handler;
