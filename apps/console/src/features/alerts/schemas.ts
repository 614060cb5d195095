/** Consumer-lag alerts: a tenant's webhook and its delivery log. Shared by the form and the route handlers. */
import { z } from 'zod';

export const webhookUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .url('Enter a full URL, e.g. https://alerts.example.com/samsa')
  .refine((u) => /^https?:\/\//i.test(u), 'Use an http:// or https:// URL')
  .refine((u) => {
    // Zod runs this even when .url() failed: an unparsable URL was reported there already.
    if (!URL.canParse(u)) return true;
    const parsed = new URL(u);
    return parsed.username === '' && parsed.password === '';
  }, 'Put no credentials in the URL: the secret signs every delivery');

export const putWebhookSchema = z.object({
  url: webhookUrlSchema,
  /** Signs deliveries (HMAC-SHA256). Left out: keep the current one; null: remove it. */
  secret: z.string().min(16, 'At least 16 characters').max(256).nullable().optional(),
  enabled: z.boolean().default(true),
});
export type PutWebhookInput = z.infer<typeof putWebhookSchema>;

/** What the API shows of a webhook: never the secret, only whether there is one. */
export const webhookSchema = z
  .object({
    url: z.string(),
    hasSecret: z.boolean(),
    enabled: z.boolean(),
    updatedAt: z.string(),
  })
  .nullable();

export const deliverySchema = z.object({
  eventId: z.string(),
  groupId: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  url: z.string(),
  attempt: z.number(),
  at: z.string(),
  outcome: z.enum(['delivered', 'retrying', 'failed', 'dropped']),
  httpStatus: z.number().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
});
export const deliveriesSchema = z.object({ deliveries: z.array(deliverySchema) });
