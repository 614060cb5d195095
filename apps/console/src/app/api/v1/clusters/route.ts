// GET POST /api/v1/clusters: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../api/routes.ts';

const route = apiRoutes['/clusters']!;
export const GET = route.GET!.handler;
export const POST = route.POST!.handler;
