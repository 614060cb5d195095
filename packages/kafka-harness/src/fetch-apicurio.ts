/**
 * `pnpm --filter @samsa/kafka-harness fetch-apicurio`: build Apicurio Registry and fetch the Java Confluent-API client
 * now (CI does this before the tests).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  APICURIO_DIR,
  APICURIO_VERSION,
  apicurioJar,
  apicurioSkipReason,
  REGISTRY_CLIENT_VERSION,
  registryClientClasspath,
} from './apicurio.ts';

// Asked for by name: try again even when an earlier build failed.
await rm(join(APICURIO_DIR, '.failed'), { force: true });

const reason = apicurioSkipReason();
if (reason) {
  console.error(`kafka-harness: ${reason}`);
  process.exit(1);
}
try {
  console.log(`kafka-harness: Apicurio Registry ${APICURIO_VERSION} ready: ${await apicurioJar()}`);
  console.log(
    `kafka-harness: Spring Cloud Stream's schema registry client ${REGISTRY_CLIENT_VERSION} ready: ${await registryClientClasspath()}`,
  );
} catch (err) {
  console.error(`kafka-harness: ${(err as Error).message}`);
  process.exit(1);
}
