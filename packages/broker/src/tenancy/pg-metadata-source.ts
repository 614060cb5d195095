/**
 * PgMetadataSource: loads the MetadataView from the control plane's Postgres tables and follows changes through
 * LISTEN/NOTIFY (triggers added by the `metadata_notify` migration), reloading within a second of a change. When
 * Postgres is unreachable it keeps the last view (also cached on disk, so a restart without Postgres still serves)
 * and reports itself stale; it reconnects with bounded backoff.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { type MetadataSnapshot, MetadataView, NO_QUOTA } from './metadata-view.ts';

export const NOTIFY_CHANNEL = 'samsa_metadata';
const RELOAD_DEBOUNCE_MS = 50;
const SAFETY_RELOAD_INTERVAL_MS = 30_000;
const RECONNECT_MAX_BACKOFF_MS = 10_000;
const QUERY_TIMEOUT_MS = 10_000;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const scram = (salt: string, iterations: number, stored: string, server: string) => ({
  salt: Buffer.from(salt, 'base64'),
  iterations,
  storedKey: Buffer.from(stored, 'base64'),
  serverKey: Buffer.from(server, 'base64'),
});

/** Reads one consistent snapshot of everything the broker needs. */
export async function loadSnapshot(client: pg.ClientBase): Promise<MetadataSnapshot> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const tenants = await client.query(
      `SELECT t.id, t.slug, t.status, q."produceBytesPerSec", q."fetchBytesPerSec", q."storageBytes", q."maxTopics",
              q."maxPartitions", q."maxConnections", q."requestPercentage",
              q."maxGroups", q."maxCommittedOffsets", q."maxTransactionalIds"
         FROM "Tenant" t LEFT JOIN "TenantQuota" q ON q."tenantId" = t.id`,
    );
    const keys = await client.query(
      `SELECT k."keyId", k."tenantId", k."serviceAccountId", s.name AS "serviceAccountName", k."secretHash",
              k."scram256Salt", k."scram256Iter", k."scram256Stored", k."scram256Server",
              k."scram512Salt", k."scram512Iter", k."scram512Stored", k."scram512Server"
         FROM "ApiKey" k JOIN "ServiceAccount" s ON s.id = k."serviceAccountId"
        WHERE k."revokedAt" IS NULL`,
    );
    const saQuotas = await client.query(
      `SELECT "serviceAccountId", "produceBytesPerSec", "fetchBytesPerSec", "requestPercentage" FROM "ServiceAccountQuota"`,
    );
    // SUBJECT bindings are the schema registry's: Kafka clients never see, create or delete them.
    const acls = await client.query(
      `SELECT id, "tenantId", principal, "resourceType", "patternType", "resourceName", operation, permission, host
         FROM "AclBinding" WHERE "resourceType" <> 'SUBJECT'`,
    );
    await client.query('COMMIT');
    return {
      tenants: tenants.rows.map((r) => ({
        id: r.id,
        slug: r.slug,
        status: r.status,
        quota: {
          ...NO_QUOTA,
          produceBytesPerSec: num(r.produceBytesPerSec),
          fetchBytesPerSec: num(r.fetchBytesPerSec),
          storageBytes: num(r.storageBytes),
          maxTopics: num(r.maxTopics),
          maxPartitions: num(r.maxPartitions),
          maxConnections: num(r.maxConnections),
          requestPercentage: num(r.requestPercentage),
          maxGroups: num(r.maxGroups),
          maxCommittedOffsets: num(r.maxCommittedOffsets),
          maxTransactionalIds: num(r.maxTransactionalIds),
        },
      })),
      keys: keys.rows.map((r) => ({
        keyId: r.keyId,
        tenantId: r.tenantId,
        serviceAccountId: r.serviceAccountId,
        serviceAccountName: r.serviceAccountName,
        secretHash: r.secretHash,
        scram256: scram(r.scram256Salt, r.scram256Iter, r.scram256Stored, r.scram256Server),
        scram512: scram(r.scram512Salt, r.scram512Iter, r.scram512Stored, r.scram512Server),
      })),
      serviceAccountQuotas: saQuotas.rows.map((r) => ({
        serviceAccountId: r.serviceAccountId,
        quota: {
          produceBytesPerSec: num(r.produceBytesPerSec),
          fetchBytesPerSec: num(r.fetchBytesPerSec),
          requestPercentage: num(r.requestPercentage),
        },
      })),
      acls: acls.rows.map((r) => ({ ...r })),
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

function toJson(s: MetadataSnapshot): string {
  return JSON.stringify(s, (_k, v) =>
    v && v.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data).toString('base64') : v,
  );
}

function fromJson(text: string): MetadataSnapshot {
  const s = JSON.parse(text) as MetadataSnapshot;
  for (const k of s.keys) {
    for (const c of [k.scram256, k.scram512]) {
      c.salt = Buffer.from(c.salt as unknown as string, 'base64');
      c.storedKey = Buffer.from(c.storedKey as unknown as string, 'base64');
      c.serverKey = Buffer.from(c.serverKey as unknown as string, 'base64');
    }
  }
  return s;
}

export interface MetadataSourceStatus {
  connected: boolean;
  stale: boolean;
  lastLoadedAtMs: number | null;
  lastError: string | null;
  version: number;
}

export class PgMetadataSource {
  private view: MetadataView = MetadataView.empty();
  private client: pg.Client | null = null;
  private readonly url: string;
  private readonly cachePath: string;
  private readonly log: Logger;
  private readonly listeners: ((view: MetadataView) => void)[] = [];
  private reloadTimer: NodeJS.Timeout | null = null;
  private safetyTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private backoffMs = 250;
  private stopped = false;
  private loading: Promise<void> | null = null;
  private reloadAgain = false;
  readonly status: MetadataSourceStatus = {
    connected: false,
    stale: true,
    lastLoadedAtMs: null,
    lastError: null,
    version: 0,
  };

  constructor(url: string, dataDir: string, log: Logger) {
    this.url = url;
    this.cachePath = join(dataDir, 'metadata-view.json');
    this.log = log.child({ component: 'metadata' });
  }

  current(): MetadataView {
    return this.view;
  }

  onChange(fn: (view: MetadataView) => void): void {
    this.listeners.push(fn);
  }

  /** Connects and loads; if Postgres is down, falls back to the cached view and keeps retrying. */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      this.status.lastError = (err as Error).message;
      try {
        this.install(fromJson(await readFile(this.cachePath, 'utf8')));
        this.log.warn({ err: this.status.lastError }, 'Postgres unreachable: serving the cached metadata view');
      } catch {
        this.log.warn(
          { err: this.status.lastError },
          'Postgres unreachable and no cached metadata view: no tenant can sign in until it is reachable',
        );
      }
      this.scheduleReconnect();
    }
    this.safetyTimer = setInterval(() => this.requestReload(), SAFETY_RELOAD_INTERVAL_MS);
    this.safetyTimer.unref();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: 5_000,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
    });
    client.on('error', (err) => this.onDisconnect(err));
    client.on('end', () => this.onDisconnect(new Error('connection ended')));
    client.on('notification', () => this.requestReload());
    await client.connect();
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    this.client = client;
    this.status.connected = true;
    this.backoffMs = 250;
    await this.reload();
  }

  private onDisconnect(err: Error): void {
    if (!this.client) return;
    this.client = null;
    this.status.connected = false;
    this.status.stale = true;
    this.status.lastError = err.message;
    if (this.stopped) return;
    this.log.warn({ err: err.message }, 'lost the Postgres connection: serving the last metadata view');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch((err) => {
        this.status.lastError = (err as Error).message;
        this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_BACKOFF_MS);
        this.scheduleReconnect();
      });
    }, this.backoffMs);
    this.reconnectTimer.unref();
  }

  private requestReload(): void {
    if (this.reloadTimer || this.stopped) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      this.reload().catch((err) => this.log.warn({ err: (err as Error).message }, 'metadata reload failed'));
    }, RELOAD_DEBOUNCE_MS);
  }

  /** Loads a fresh snapshot now (one load at a time; a request during a load triggers one more). */
  async reload(): Promise<void> {
    if (this.loading) {
      this.reloadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.reloadAgain = false;
        const client = this.client;
        if (!client) return;
        const snapshot = await loadSnapshot(client);
        this.install(snapshot);
        this.status.stale = false;
        this.status.lastLoadedAtMs = Date.now();
        await this.writeCache(snapshot).catch((err) =>
          this.log.warn({ err: (err as Error).message }, 'could not cache the metadata view'),
        );
      } while (this.reloadAgain);
    })();
    try {
      await this.loading;
    } finally {
      this.loading = null;
    }
  }

  private install(snapshot: MetadataSnapshot): void {
    this.view = new MetadataView(snapshot, this.view.version + 1);
    this.status.version = this.view.version;
    for (const fn of this.listeners) fn(this.view);
  }

  private async writeCache(snapshot: MetadataSnapshot): Promise<void> {
    const tmp = `${this.cachePath}.tmp`;
    await writeFile(tmp, toJson(snapshot), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.cachePath);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    if (this.safetyTimer) clearInterval(this.safetyTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}
