// POST /api/v1/auth/login: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../api/routes.ts';

const route = apiRoutes['/auth/login']!;
export const POST = route.POST!.handler;
