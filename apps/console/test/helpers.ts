/** Test helpers: a fresh migrated database, seeded users with API tokens, and direct calls to route handlers. */
import { createTestDatabase, type TestDatabase } from '@samsa/db/testing';
import type { Method } from '../src/api/define.ts';

export interface Harness {
  tdb: TestDatabase;
  close(): Promise<void>;
}

/** Must run before anything imports src/server/db.ts: the console reads DATABASE_URL on first use. */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const tdb = await createTestDatabase();
  process.env.DATABASE_URL = tdb.url;
  (process.env as Record<string, string>).NODE_ENV = 'test';
  Object.assign(process.env, env);
  return {
    tdb,
    async close() {
      const { db } = await import('../src/server/db.ts');
      const { resetClusterAdmin } = await import('../src/features/cluster/cluster-admin.ts');
      const { stopLagService } = await import('../src/features/consumer-groups/lag-host.ts');
      // The lag collector borrows the cluster admin's connection: stop it first.
      await stopLagService();
      await resetClusterAdmin();
      await db().$disconnect();
      await tdb.drop();
    },
  };
}

export async function call(
  path: string,
  method: Method,
  params: Record<string, string>,
  options: { token?: string; body?: unknown; query?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const { apiRoutes } = await import('../src/api/routes.ts');
  const op = apiRoutes[path]?.[method];
  if (!op) throw new Error(`no route ${method} ${path}`);
  const url = new URL(
    `http://console.test/api/v1${path.replace(/\{(\w+)\}/g, (_m, k) => encodeURIComponent(params[k] ?? ''))}`,
  );
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined || method !== 'GET') headers['content-type'] = 'application/json';
  const res = await op.handler(
    new Request(url, { method, headers, body: options.body !== undefined ? JSON.stringify(options.body) : undefined }),
    { params: Promise.resolve(params) },
  );
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function seedUser(
  email: string,
  opts: { platformAdmin?: boolean; memberships?: { tenantId: string; role: 'TENANT_ADMIN' | 'TENANT_MEMBER' }[] } = {},
) {
  const { db } = await import('../src/server/db.ts');
  const { createApiToken, hashPassword } = await import('../src/server/auth.ts');
  const user = await db().user.create({
    data: {
      email,
      passwordHash: await hashPassword('password123'),
      isPlatformAdmin: opts.platformAdmin ?? false,
      memberships: { create: opts.memberships ?? [] },
    },
  });
  const { token } = await createApiToken(user.id, 'test');
  return { user, token };
}

/** Creates tenants through POST /tenants as `token` (a platform admin); returns slug -> tenant id. */
export async function createTenants(token: string, slugs: string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const slug of slugs) {
    const res = await call('/tenants', 'POST', {}, { token, body: { slug, displayName: slug } });
    if (res.status !== 201) throw new Error(`creating tenant ${slug}: ${res.status} ${JSON.stringify(res.body)}`);
    ids[slug] = res.body.id;
  }
  return ids;
}
