/** Console users and tenant memberships: shared by the admin pages and /api/v1. */
import { z } from 'zod';

export const emailSchema = z.string().trim().toLowerCase().email('A valid email address');
export const passwordSchema = z.string().min(8, 'At least 8 characters').max(200);

export const createUserSchema = z.object({
  email: emailSchema,
  name: z.string().trim().max(100).default(''),
  password: passwordSchema,
  isPlatformAdmin: z.boolean().default(false),
  memberships: z.array(z.object({ tenant: z.string(), role: z.enum(['TENANT_ADMIN', 'TENANT_MEMBER']) })).default([]),
});
export type CreateUserInput = z.infer<typeof createUserSchema>;

export const updateUserSchema = z.object({
  name: z.string().trim().max(100).optional(),
  password: passwordSchema.optional(),
  isPlatformAdmin: z.boolean().optional(),
  disabled: z.boolean().optional(),
});

/**
 * A tenant admin invites by email; the invitee sets their own password. The response is the same whether or not the
 * email already has an account, and no password can be given here.
 */
export const addMemberSchema = z
  .object({
    email: emailSchema,
    role: z.enum(['TENANT_ADMIN', 'TENANT_MEMBER']).default('TENANT_MEMBER'),
  })
  .strict();
export type AddMemberInput = z.infer<typeof addMemberSchema>;

export const invitationSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(['TENANT_ADMIN', 'TENANT_MEMBER']),
  createdAt: z.string(),
  expiresAt: z.string(),
  invitedBy: z.string().nullable(),
});
export const createdInvitationSchema = z.object({
  invitation: invitationSchema,
  inviteUrl: z.string().describe('shown once: give it to the invitee; it works once, until expiresAt'),
});

export const acceptInvitationSchema = z.object({
  token: z.string().min(1).max(200),
  password: z.string().min(1, 'Required').max(200),
  name: z.string().trim().max(100).optional(),
});

export const loginSchema = z.object({ email: emailSchema, password: z.string().min(1, 'Required') });
export const tokenRequestSchema = loginSchema.extend({
  name: z.string().trim().min(1).max(100).default('cli'),
  expiresInDays: z.number().int().min(1).max(3650).default(90).describe('1 to SAMSA_TOKEN_MAX_TTL_DAYS (365)'),
});
export const bootstrapSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  name: z.string().trim().max(100).default('Admin'),
  setupToken: z.string().max(200).optional().describe('printed by `samsa start`; not needed from the console machine'),
});

export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1, 'Required'),
  newPassword: passwordSchema,
});

export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  status: z.enum(['active', 'expired', 'revoked']),
});
