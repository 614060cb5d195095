/** Service accounts and API keys: shared by the keys page and /api/v1. */
import { z } from 'zod';

export const serviceAccountNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9._-]{1,62}$/, '2–63 characters: lowercase letters, digits, dots, dashes, underscores');

export const createServiceAccountSchema = z.object({
  name: serviceAccountNameSchema,
  description: z.string().max(500).default(''),
});

export const createApiKeySchema = z.object({
  serviceAccount: serviceAccountNameSchema.describe('name of an existing service account, created if missing'),
  description: z.string().max(500).default(''),
});
export type CreateApiKeyInput = z.infer<typeof createApiKeySchema>;

export const apiKeySchema = z.object({
  keyId: z.string(),
  serviceAccount: z.string(),
  description: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

export const createdApiKeySchema = apiKeySchema.extend({
  secret: z.string().describe('shown only once'),
  bootstrap: z.string(),
  configs: z.object({ kafkajs: z.string(), librdkafka: z.string(), java: z.string() }),
});
