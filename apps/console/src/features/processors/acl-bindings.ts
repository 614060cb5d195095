/**
 * The ACL bindings of a processor's principal `User:processor:<name>` (`processorAclPrincipal`: the broker gives the
 * host that principal when it signs in as `tenant:<slug>/processor:<name>`): what one version needs, derived from its topics, and a reconciler
 * that makes the stored rows exactly that set (adds what is missing, removes what the version no longer needs).
 */
import { processorAclPrincipal } from '@samsa/cluster/namespace';
import type { AclOperation, AclResourceType, Prisma } from '@samsa/db';
import { processorGroupId } from '@samsa/processors';

export interface ProcessorAcl {
  principal: string;
  resourceType: AclResourceType;
  resourceName: string;
  operation: AclOperation;
}

/** The redrive task's consumer group, tenant-local. */
export function redriveGroupId(name: string): string {
  return `${processorGroupId(name)}.redrive`;
}

/**
 * READ on the input (and DESCRIBE for its metadata); WRITE on the outputs and the DLQ, and READ on them too (an
 * exactly-once task reads its outputs back to fence duplicates, a re-drive reads the DLQ); READ on its two groups
 * (literal: a prefix would also cover another processor named `<name>…`); idempotent writes.
 */
export function desiredAcls(
  name: string,
  v: { inputTopic: string; outputTopics: string[]; dlqTopic: string | null },
): ProcessorAcl[] {
  const principal = processorAclPrincipal(name);
  const acl = (resourceType: AclResourceType, resourceName: string, operation: AclOperation): ProcessorAcl => ({
    principal,
    resourceType,
    resourceName,
    operation,
  });
  const written = [...v.outputTopics, ...(v.dlqTopic ? [v.dlqTopic] : [])];
  return [
    acl('TOPIC', v.inputTopic, 'READ'),
    acl('TOPIC', v.inputTopic, 'DESCRIBE'),
    ...written.flatMap((t) => [acl('TOPIC', t, 'WRITE'), acl('TOPIC', t, 'READ')]),
    acl('GROUP', processorGroupId(name), 'READ'),
    acl('GROUP', redriveGroupId(name), 'READ'),
    acl('CLUSTER', 'kafka-cluster', 'IDEMPOTENT_WRITE'),
  ];
}

const keyOf = (a: ProcessorAcl) => `${a.resourceType}|${a.resourceName}|${a.operation}`;

/**
 * Makes the principal's literal ALLOW rows equal `desired` (empty: removes them all). Runs in the caller's
 * transaction; returns what changed, for the audit entry.
 */
export async function reconcileAcls(
  tx: Prisma.TransactionClient,
  tenantId: string,
  principal: string,
  desired: ProcessorAcl[],
): Promise<{ added: ProcessorAcl[]; removed: ProcessorAcl[] }> {
  const existing = await tx.aclBinding.findMany({ where: { tenantId, principal } });
  const want = new Map(desired.map((a) => [keyOf(a), a]));
  const have = new Map(existing.map((r) => [keyOf(r), r]));
  const stale = existing.filter((r) => !want.has(keyOf(r)) || r.patternType !== 'LITERAL' || r.permission !== 'ALLOW');
  if (stale.length > 0) await tx.aclBinding.deleteMany({ where: { id: { in: stale.map((r) => r.id) } } });
  const added = [...want.values()].filter((a) => {
    const row = have.get(keyOf(a));
    return !row || stale.includes(row);
  });
  if (added.length > 0) {
    await tx.aclBinding.createMany({
      data: added.map((a) => ({ tenantId, ...a, patternType: 'LITERAL', permission: 'ALLOW', host: '*' })),
      skipDuplicates: true,
    });
  }
  const removed = stale.map(({ principal: p, resourceType, resourceName, operation }) => ({
    principal: p,
    resourceType,
    resourceName,
    operation,
  }));
  return { added, removed };
}
