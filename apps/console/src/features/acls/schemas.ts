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

export const aclBindingSchema = z.object({
  principal: z.string().regex(/^User:[a-z][a-z0-9._-]{1,62}$/, 'User:<service-account-name>'),
  resourceType: z.enum(['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID']),
  patternType: z.enum(['LITERAL', 'PREFIXED']).default('LITERAL'),
  resourceName: z.string().min(1).max(249),
  operation: z.enum(aclOperations),
  permission: z.enum(['ALLOW', 'DENY']).default('ALLOW'),
  host: z.string().min(1).max(255).default('*'),
});
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
