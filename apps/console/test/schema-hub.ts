/**
 * Test support: the tenancy hub (a real broker, Postgres, the console's handlers) plus a real `samsa
 * schema-registry` process on the same database, which the console reaches as `samsa start` sets it up to.
 */
import { type RegistryProcess, SUPERUSER, startRegistry } from '@samsa/test-support/registry-process';
import { startTenancyHub, type TenancyHub } from './tenancy-hub.ts';

export interface SchemaHub extends TenancyHub {
  registry: RegistryProcess;
}

export async function startSchemaHub(): Promise<SchemaHub> {
  const hub = await startTenancyHub();
  const registry = await startRegistry(hub.h.tdb.url);
  Object.assign(process.env, {
    SAMSA_SCHEMA_REGISTRY_URL: registry.url,
    SAMSA_SCHEMA_REGISTRY_USERNAME: SUPERUSER.name,
    SAMSA_SCHEMA_REGISTRY_PASSWORD: SUPERUSER.password,
  });
  return {
    ...hub,
    registry,
    async close() {
      await registry.stop();
      await hub.close();
    },
  };
}
