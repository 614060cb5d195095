/** ACL bindings of one tenant. The broker enforces them (see the tenancy issue); here they are stored and audited. */
import type { Tenant } from '@samsa/db';
import { db } from '../../server/db.ts';
import { ApiError } from '../../server/errors.ts';
import type { Actor } from '../../server/with-tenant.ts';
import { audit } from '../audit/audit.ts';
import type { AclBindingInput } from './schemas.ts';

export async function listAcls(tenant: Tenant) {
  const rows = await db().aclBinding.findMany({
    where: { tenantId: tenant.id },
    orderBy: [{ principal: 'asc' }, { createdAt: 'asc' }],
  });
  return rows.map(({ tenantId: _t, createdAt, ...r }) => ({ ...r, createdAt: createdAt.toISOString() }));
}

export async function addAcls(actor: Actor, tenant: Tenant, bindings: AclBindingInput[]) {
  const names = [...new Set(bindings.map((b) => b.principal.slice('User:'.length)))];
  const known = await db().serviceAccount.findMany({ where: { tenantId: tenant.id, name: { in: names } } });
  const missing = names.filter((n) => !known.some((k) => k.name === n));
  if (missing.length > 0) {
    throw new ApiError(
      'validation_failed',
      `No service account ${missing.map((m) => `'${m}'`).join(', ')} in this tenant`,
      {
        principal: ['Unknown service account'],
      },
    );
  }
  const created = [];
  for (const b of bindings) {
    const row = await db().aclBinding.upsert({
      where: {
        tenantId_principal_resourceType_patternType_resourceName_operation_permission_host: {
          tenantId: tenant.id,
          ...b,
        },
      },
      create: { tenantId: tenant.id, ...b },
      update: {},
    });
    created.push({ ...b, id: row.id, createdAt: row.createdAt.toISOString() });
  }
  await audit(actor, {
    tenantId: tenant.id,
    action: 'acl.create',
    targetType: 'acl',
    targetId: created.map((c) => c.id).join(','),
    after: bindings,
  });
  return created;
}

export async function removeAcl(actor: Actor, tenant: Tenant, id: string) {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
  const row = isUuid ? await db().aclBinding.findFirst({ where: { id, tenantId: tenant.id } }) : null;
  if (!row) throw new ApiError('not_found', `No ACL binding '${id}'`);
  await db().aclBinding.delete({ where: { id } });
  await audit(actor, { tenantId: tenant.id, action: 'acl.delete', targetType: 'acl', targetId: id, before: row });
}
