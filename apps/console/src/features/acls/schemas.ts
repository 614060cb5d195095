/** ACL bindings and presets: shared by the ACL editor and /api/v1. */
import { z } from 'zod';

export const aclOperations = [
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
] as const;

export const aclResourceTypes = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'SUBJECT'] as const;
export type AclResourceType = (typeof aclResourceTypes)[number];

/** What a SUBJECT binding grants in the schema registry (as Confluent's RBAC maps subject operations). */
export const subjectOperations = [
  'ALL',
  'READ',
  'WRITE',
  'DELETE',
  'DESCRIBE',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
] as const satisfies readonly (typeof aclOperations)[number][];

/** The operations a binding on `resourceType` can name. */
export function aclOperationsFor(resourceType: AclResourceType): readonly (typeof aclOperations)[number][] {
  return resourceType === 'SUBJECT' ? subjectOperations : aclOperations;
}

/** Kafka's longest topic name; schema registry subjects may be longer (`<topic>-value`). */
const MAX_KAFKA_NAME_CHARS = 249;
const MAX_SUBJECT_CHARS = 255;

const aclBindingFields = z.object({
  principal: z.string().regex(/^User:[a-z][a-z0-9._-]{1,62}$/, 'User:<service-account-name>'),
  resourceType: z.enum(aclResourceTypes),
  patternType: z.enum(['LITERAL', 'PREFIXED']).default('LITERAL'),
  resourceName: z.string().min(1).max(MAX_SUBJECT_CHARS),
  operation: z.enum(aclOperations),
  permission: z.enum(['ALLOW', 'DENY']).default('ALLOW'),
  host: z.string().min(1).max(255).default('*'),
});

export const aclBindingSchema = aclBindingFields.superRefine((b, ctx) => {
  if (!aclOperationsFor(b.resourceType).includes(b.operation)) {
    ctx.addIssue({
      code: 'custom',
      path: ['operation'],
      message: `A ${b.resourceType} binding takes one of ${aclOperationsFor(b.resourceType).join(', ')}`,
    });
  }
  if (b.resourceType !== 'SUBJECT' && b.resourceName.length > MAX_KAFKA_NAME_CHARS) {
    ctx.addIssue({
      code: 'custom',
      path: ['resourceName'],
      message: `At most ${MAX_KAFKA_NAME_CHARS} characters for a Kafka resource`,
    });
  }
});

/** A stored binding, as GET /acls lists it. */
export const aclBindingRowSchema = aclBindingFields.extend({ id: z.string(), createdAt: z.string() });
export type AclBindingInput = z.infer<typeof aclBindingSchema>;

export const aclPresetSchema = z.discriminatedUnion('preset', [
  z.object({
    preset: z.literal('producer'),
    serviceAccount: z.string().min(1),
    topic: z.string().min(1),
    prefixed: z.boolean().default(false),
  }),
  z.object({
    preset: z.literal('consumer'),
    serviceAccount: z.string().min(1),
    topic: z.string().min(1),
    prefixed: z.boolean().default(false),
    groupPrefix: z.string().min(1),
  }),
  z.object({ preset: z.literal('tenant_admin'), serviceAccount: z.string().min(1) }),
]);
export type AclPresetInput = z.infer<typeof aclPresetSchema>;

export const createAclSchema = z.union([
  aclPresetSchema,
  z.object({ bindings: z.array(aclBindingSchema).min(1).max(100) }),
]);

/** The bindings a preset stands for (Kafka's usual producer/consumer recipes). */
export function expandPreset(p: AclPresetInput): AclBindingInput[] {
  const principal = `User:${p.serviceAccount}`;
  const b = (
    resourceType: AclBindingInput['resourceType'],
    resourceName: string,
    operation: AclBindingInput['operation'],
    patternType: AclBindingInput['patternType'] = 'LITERAL',
  ): AclBindingInput => ({
    principal,
    resourceType,
    resourceName,
    operation,
    patternType,
    permission: 'ALLOW',
    host: '*',
  });
  switch (p.preset) {
    case 'producer': {
      const pt = p.prefixed ? 'PREFIXED' : 'LITERAL';
      return [
        b('TOPIC', p.topic, 'WRITE', pt),
        b('TOPIC', p.topic, 'DESCRIBE', pt),
        b('CLUSTER', 'kafka-cluster', 'IDEMPOTENT_WRITE'),
      ];
    }
    case 'consumer': {
      const pt = p.prefixed ? 'PREFIXED' : 'LITERAL';
      return [
        b('TOPIC', p.topic, 'READ', pt),
        b('TOPIC', p.topic, 'DESCRIBE', pt),
        b('GROUP', p.groupPrefix, 'READ', 'PREFIXED'),
      ];
    }
    case 'tenant_admin':
      return [
        b('TOPIC', '*', 'ALL'),
        b('GROUP', '*', 'ALL'),
        b('TRANSACTIONAL_ID', '*', 'ALL'),
        b('CLUSTER', 'kafka-cluster', 'ALL'),
      ];
  }
}
