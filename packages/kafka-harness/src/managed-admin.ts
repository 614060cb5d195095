/**
 * The rights of a managed cluster's admin principal, exactly as README "Scale-out on Apache Kafka" lists them (not a
 * super user): granted with Kafka's own kafka-acls, so tests of managed mode run as the least a reconcile needs.
 */
import { runJava } from './java.ts';

export const MANAGED_ADMIN_GRANTS = [
  [
    '--operation',
    'Alter',
    '--operation',
    'Describe',
    '--operation',
    'AlterConfigs',
    '--operation',
    'DescribeConfigs',
    '--cluster',
  ],
  ['--operation', 'Describe', '--operation', 'Delete', '--topic', '*'],
  ['--operation', 'Describe', '--operation', 'Delete', '--group', '*'],
];

/** Grants `principal` (a user name) the managed admin's rights, over a listener that needs no sign-in. */
export async function grantManagedAdmin(bootstrap: string, principal: string): Promise<void> {
  for (const grant of MANAGED_ADMIN_GRANTS) {
    const r = await runJava('org.apache.kafka.tools.AclCommand', [
      '--bootstrap-server',
      bootstrap,
      '--add',
      '--allow-principal',
      `User:${principal}`,
      ...grant,
    ]);
    if (r.code !== 0) throw new Error(`kafka-acls --add for ${principal} failed: ${r.stderr}`);
  }
}
