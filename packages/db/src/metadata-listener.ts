/**
 * Follows changes to tenants, keys, ACLs and quotas: LISTEN on the channel the `metadata_notify` triggers notify (the
 * broker follows the same one), calling `onChange` with the table name. Reconnects with backoff when Postgres goes
 * away; a change missed meanwhile is caught by whatever periodic work the caller also does.
 */
import pg from 'pg';

export const METADATA_NOTIFY_CHANNEL = 'samsa_metadata';
const CONNECT_TIMEOUT_MS = 5_000;
const RECONNECT_MAX_MS = 30_000;

export interface MetadataListener {
  stop(): Promise<void>;
}

export function listenMetadata(
  connectionString: string,
  onChange: (table: string) => void,
  onError: (err: Error) => void = () => undefined,
): MetadataListener {
  let client: pg.Client | null = null;
  let stopped = false;
  let backoffMs = 250;
  let timer: NodeJS.Timeout | null = null;
  const reconnect = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, backoffMs);
    timer.unref();
    backoffMs = Math.min(backoffMs * 2, RECONNECT_MAX_MS);
  };
  const connect = async () => {
    const c = new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    const lost = (err: Error) => {
      if (client !== c) return;
      client = null;
      onError(err);
      reconnect();
    };
    c.on('error', lost);
    c.on('end', () => lost(new Error('connection ended')));
    c.on('notification', (n) => onChange(n.payload ?? ''));
    try {
      await c.connect();
      await c.query(`LISTEN ${METADATA_NOTIFY_CHANNEL}`);
      if (stopped) return void (await c.end().catch(() => undefined));
      client = c;
      backoffMs = 250;
    } catch (err) {
      onError(err as Error);
      await c.end().catch(() => undefined);
      reconnect();
    }
  };
  void connect();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
