/** `pnpm --filter @samsa/kafka-harness fetch-apicurio`: build Apicurio Registry now (CI does this before the tests). */
import { APICURIO_VERSION, apicurioJar, apicurioSkipReason } from './apicurio.ts';

const reason = apicurioSkipReason();
if (reason) {
  console.error(`kafka-harness: ${reason}`);
  process.exit(1);
}
try {
  console.log(`kafka-harness: Apicurio Registry ${APICURIO_VERSION} ready: ${await apicurioJar()}`);
} catch (err) {
  console.error(`kafka-harness: ${(err as Error).message}`);
  process.exit(1);
}
