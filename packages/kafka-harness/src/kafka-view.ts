/**
 * Kafka's own view of its security objects, read with its own tools (kafka-acls --list, kafka-configs --describe
 * --entity-type users) over a listener that needs no sign-in (the harness's PLAINTEXT one, whose ANONYMOUS principal
 * is a super user): what a test compares with what Samsa placed.
 */
import { runJava } from './java.ts';

export interface KafkaSecurityView {
  /** One line per ACL: `ALLOW User:x WRITE TOPIC LITERAL name`, sorted. */
  acls: string[];
  /** SCRAM mechanisms per user, e.g. `SCRAM-SHA-256=iterations=4096, SCRAM-SHA-512=iterations=4096`. */
  scram: Map<string, string>;
  /** Client quotas per user, as kafka-configs prints them. */
  quotas: Map<string, string>;
}

/** Reads the view; `principalsContaining` keeps only ACLs whose line contains it (e.g. ` User:samsa.`). */
export async function kafkaSecurityView(bootstrap: string, principalsContaining = ''): Promise<KafkaSecurityView> {
  const [aclOut, userOut] = await Promise.all([
    runJava('org.apache.kafka.tools.AclCommand', ['--bootstrap-server', bootstrap, '--list']),
    runJava('kafka.admin.ConfigCommand', ['--bootstrap-server', bootstrap, '--describe', '--entity-type', 'users']),
  ]);
  if (aclOut.code !== 0) throw new Error(`kafka-acls --list failed: ${aclOut.stderr}`);
  if (userOut.code !== 0) throw new Error(`kafka-configs --describe failed: ${userOut.stderr}`);
  const acls: string[] = [];
  let resource = '';
  for (const line of aclOut.stdout.split('\n')) {
    const r = /ResourcePattern\(resourceType=(\w+), name=(.*), patternType=(\w+)\)/.exec(line);
    if (r) resource = `${r[1]} ${r[3]} ${r[2]}`;
    const a = /\(principal=(.*), host=(.*), operation=(\w+), permissionType=(\w+)\)/.exec(line);
    if (a) acls.push(`${a[4]} ${a[1]} ${a[3]} ${resource}`);
  }
  const scram = new Map<string, string>();
  const quotas = new Map<string, string>();
  for (const line of userOut.stdout.split('\n')) {
    const s = /SCRAM credential configs for user-principal '(.*)' are (.*)/.exec(line);
    if (s) scram.set(s[1]!, s[2]!.trim().split(', ').sort().join(', '));
    const q = /Quota configs for user-principal '(.*)' are (.*)/.exec(line);
    if (q) quotas.set(q[1]!, q[2]!.trim());
  }
  return { acls: acls.filter((a) => a.includes(principalsContaining)).sort(), scram, quotas };
}
