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

export const addMemberSchema = z.object({
  email: emailSchema,
  role: z.enum(['TENANT_ADMIN', 'TENANT_MEMBER']).default('TENANT_MEMBER'),
  password: passwordSchema.optional().describe('creates the account when no user has this email'),
  name: z.string().trim().max(100).optional(),
});
export type AddMemberInput = z.infer<typeof addMemberSchema>;

export const loginSchema = z.object({ email: emailSchema, password: z.string().min(1, 'Required') });
export const tokenRequestSchema = loginSchema.extend({ name: z.string().trim().min(1).max(100).default('cli') });
export const bootstrapSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  name: z.string().trim().max(100).default('Admin'),
});
