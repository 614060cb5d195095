// POST /api/v1/clusters/{cluster}/reconcile: handlers live in src/api/routes.ts (one table for routes, OpenAPI and the authorization test).
import { apiRoutes } from '../../../../../../api/routes.ts';

const route = apiRoutes['/clusters/{cluster}/reconcile']!;
export const POST = route.POST!.handler;
