/**
 * TenantClients: the console's Kafka clients that act as a tenant, one producer, one admin and one group-less
 * fetching consumer (message search) per tenant,
 * each opened on first use. They sign in as the platform superuser with the SASL authorization id `tenant:<slug>`,
 * so the broker applies that tenant's namespace and quotas (topics, partitions, storage, byte rates) to what the
 * console does for it, exactly as for the tenant's own clients: quotas are enforced in one place, the broker.
 * Bounded: the clients of at most `maxTenants` tenants are kept (the least recently used tenant's are closed to make
 * room), and a tenant's clients are closed after `idleMs` without use.
 */
import { Admin, Consumer, Producer, type ProducerOptions } from '@platformatic/kafka';
import { z } from 'zod';
import { type Logger, pino } from 'pino';
import { scramWithAuthzid } from './scram-authzid.ts';

export const TENANT_AUTHZID_PREFIX = 'tenant:';

/** Operator settings, from the environment. */
export const tenantClientSettingsSchema = z.object({
  /** SAMSA_CONSOLE_TENANT_CLIENTS_MAX: tenants whose clients (a producer and an admin, a connection each) stay open. */
  maxTenants: z.coerce.number().int().min(1).max(10_000).default(32),
  /** SAMSA_CONSOLE_TENANT_CLIENT_IDLE_MS: a tenant's clients unused this long are closed. */
  idleMs: z.coerce.number().int().min(1_000).max(86_400_000).default(60_000),
});
export type TenantClientSettings = z.infer<typeof tenantClientSettingsSchema>;

/** Reads the settings; the older SAMSA_CONSOLE_TENANT_PRODUCER* names are still accepted. */
export function tenantClientSettingsFromEnv(env: Record<string, string | undefined>): TenantClientSettings {
  return tenantClientSettingsSchema.parse({
    maxTenants: env.SAMSA_CONSOLE_TENANT_CLIENTS_MAX || env.SAMSA_CONSOLE_TENANT_PRODUCERS_MAX || undefined,
    idleMs: env.SAMSA_CONSOLE_TENANT_CLIENT_IDLE_MS || env.SAMSA_CONSOLE_TENANT_PRODUCER_IDLE_MS || undefined,
  });
}

interface Entry {
  producer?: Producer;
  admin?: Admin;
  consumer?: Consumer;
  idleTimer: NodeJS.Timeout;
}

type BaseOptions = Omit<ProducerOptions<Buffer, Buffer, Buffer, Buffer>, 'sasl'> & {
  sasl: { mechanism: 'SCRAM-SHA-512'; username: string; password: string };
};

export class TenantClients {
  readonly #base: () => BaseOptions;
  readonly #settings: TenantClientSettings;
  readonly #log: Logger;
  /** Insertion order is recency: a used entry is moved to the end. */
  readonly #entries = new Map<string, Entry>();

  constructor(base: () => BaseOptions, settings: TenantClientSettings, logger: Logger = pino({ level: 'silent' })) {
    this.#base = base;
    this.#settings = settings;
    this.#log = logger;
  }

  /** Tenants whose clients are open. */
  get size(): number {
    return this.#entries.size;
  }

  /** The producer acting as tenant `slug`, opened on first use. */
  producer(slug: string): Producer {
    const entry = this.#touch(slug);
    entry.producer ??= new Producer({ ...this.#options(slug), autocreateTopics: false });
    return entry.producer;
  }

  /** The admin client acting as tenant `slug` (it names topics without the namespace), opened on first use. */
  admin(slug: string): Admin {
    const entry = this.#touch(slug);
    entry.admin ??= new Admin(this.#options(slug));
    return entry.admin;
  }

  /**
   * A consumer acting as tenant `slug`, used only for raw fetches (it never joins its group), so the broker applies
   * the tenant's ACLs and fetch quota to what the console reads for it; opened on first use.
   */
  consumer(slug: string): Consumer {
    const entry = this.#touch(slug);
    entry.consumer ??= new Consumer({ ...this.#options(slug), groupId: 'samsa-console-search' });
    return entry.consumer;
  }

  #options(slug: string) {
    const base = this.#base();
    return { ...base, sasl: { ...base.sasl, authenticate: scramWithAuthzid(`${TENANT_AUTHZID_PREFIX}${slug}`) } };
  }

  /** The tenant's entry, made most recently used, with a fresh idle timer; evicts the oldest tenant when full. */
  #touch(slug: string): Entry {
    let entry = this.#entries.get(slug);
    if (entry) {
      this.#entries.delete(slug);
      clearTimeout(entry.idleTimer);
    } else {
      while (this.#entries.size >= this.#settings.maxTenants) {
        const oldest = this.#entries.keys().next().value!;
        this.#log.info(
          { tenant: oldest, maxTenants: this.#settings.maxTenants },
          'closing the least recently used tenant clients (SAMSA_CONSOLE_TENANT_CLIENTS_MAX)',
        );
        this.close(oldest);
      }
      entry = { idleTimer: undefined as unknown as NodeJS.Timeout };
    }
    entry.idleTimer = setTimeout(() => this.close(slug), this.#settings.idleMs);
    entry.idleTimer.unref();
    this.#entries.set(slug, entry);
    return entry;
  }

  /** Closes the clients of one tenant (idle, evicted, a failed sign-in, or the tenant is going away). */
  close(slug: string): void {
    const entry = this.#entries.get(slug);
    if (!entry) return;
    this.#entries.delete(slug);
    clearTimeout(entry.idleTimer);
    entry.producer?.close().catch(() => undefined);
    entry.admin?.close().catch(() => undefined);
    entry.consumer?.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const e of entries) clearTimeout(e.idleTimer);
    await Promise.allSettled(entries.flatMap((e) => [e.producer?.close(), e.admin?.close(), e.consumer?.close()]));
  }
}
