// GET /api/v1/transactions: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../api/routes.ts';

const route = apiRoutes['/transactions']!;
export const GET = route.GET!.handler;
