// GET PATCH DELETE /api/v1/clusters/{cluster}: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../api/routes.ts';

const route = apiRoutes['/clusters/{cluster}']!;
export const GET = route.GET!.handler;
export const PATCH = route.PATCH!.handler;
export const DELETE = route.DELETE!.handler;
