// POST /api/v1/invitations/accept: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../api/routes.ts';

const route = apiRoutes['/invitations/accept']!;
export const POST = route.POST!.handler;
