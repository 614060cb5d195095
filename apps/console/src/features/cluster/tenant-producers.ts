/**
 * TenantProducers: the console's Kafka producers that act as a tenant. Each signs in as the platform superuser with
 * the SASL authorization id `tenant:<slug>`, so the broker applies that tenant's namespace, storage and byte-rate
 * quotas to what the console produces, exactly as for the tenant's own clients. Bounded: at most `maxProducers` are
 * kept (the least recently used is closed to make room), and each is closed after `idleMs` without use.
 */
import { Producer, type ProducerOptions } from '@platformatic/kafka';
import { z } from 'zod';
import { log } from '../../server/log.ts';
import { scramWithAuthzid } from './scram-authzid.ts';

export const TENANT_AUTHZID_PREFIX = 'tenant:';

/** Operator settings, from the environment. */
export const tenantProducerSettingsSchema = z.object({
  /** SAMSA_CONSOLE_TENANT_PRODUCERS_MAX: producers (one connection each) kept open at once. */
  maxProducers: z.coerce.number().int().min(1).max(10_000).default(32),
  /** SAMSA_CONSOLE_TENANT_PRODUCER_IDLE_MS: a producer unused this long is closed. */
  idleMs: z.coerce.number().int().min(1_000).max(86_400_000).default(60_000),
});
export type TenantProducerSettings = z.infer<typeof tenantProducerSettingsSchema>;

export function tenantProducerSettingsFromEnv(env: NodeJS.ProcessEnv): TenantProducerSettings {
  return tenantProducerSettingsSchema.parse({
    maxProducers: env.SAMSA_CONSOLE_TENANT_PRODUCERS_MAX || undefined,
    idleMs: env.SAMSA_CONSOLE_TENANT_PRODUCER_IDLE_MS || undefined,
  });
}

interface Entry {
  producer: Producer;
  idleTimer: NodeJS.Timeout;
}

type BaseOptions = Omit<ProducerOptions<Buffer, Buffer, Buffer, Buffer>, 'sasl'> & {
  sasl: { mechanism: 'SCRAM-SHA-512'; username: string; password: string };
};

export class TenantProducers {
  readonly #base: () => BaseOptions;
  readonly #settings: TenantProducerSettings;
  /** Insertion order is recency: a used entry is moved to the end. */
  readonly #entries = new Map<string, Entry>();

  constructor(base: () => BaseOptions, settings: TenantProducerSettings) {
    this.#base = base;
    this.#settings = settings;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The producer acting as tenant `slug`, opened on first use. */
  for(slug: string): Producer {
    let entry = this.#entries.get(slug);
    if (entry) {
      this.#entries.delete(slug);
      clearTimeout(entry.idleTimer);
    } else {
      while (this.#entries.size >= this.#settings.maxProducers) {
        const oldest = this.#entries.keys().next().value!;
        log.info(
          { tenant: oldest, maxProducers: this.#settings.maxProducers },
          'closing the least recently used tenant producer (SAMSA_CONSOLE_TENANT_PRODUCERS_MAX)',
        );
        this.close(oldest);
      }
      const base = this.#base();
      const producer = new Producer({
        ...base,
        autocreateTopics: false,
        sasl: { ...base.sasl, authenticate: scramWithAuthzid(`${TENANT_AUTHZID_PREFIX}${slug}`) },
      });
      entry = { producer, idleTimer: undefined as unknown as NodeJS.Timeout };
    }
    entry.idleTimer = setTimeout(() => this.close(slug), this.#settings.idleMs);
    entry.idleTimer.unref();
    this.#entries.set(slug, entry);
    return entry.producer;
  }

  /** Closes the producer of one tenant (idle, evicted, or the tenant is going away). */
  close(slug: string): void {
    const entry = this.#entries.get(slug);
    if (!entry) return;
    this.#entries.delete(slug);
    clearTimeout(entry.idleTimer);
    entry.producer.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const e of entries) clearTimeout(e.idleTimer);
    await Promise.allSettled(entries.map((e) => e.producer.close()));
  }
}
