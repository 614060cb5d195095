// GET /api/v1/tenant-deletions: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../api/routes.ts';

const route = apiRoutes['/tenant-deletions']!;
export const GET = route.GET!.handler;
