/** The table of `samsa` subcommands. Each command lives in its own module. */
import { acl } from './admin/acl.ts';
import { key } from './admin/key.ts';
import { login } from './admin/login.ts';
import { processor } from './admin/processor.ts';
import { quota } from './admin/quota.ts';
import { request } from './admin/request.ts';
import { schema } from './admin/schema.ts';
import { tenant } from './admin/tenant.ts';
import { token } from './admin/token.ts';
import { topic } from './admin/topic.ts';
import { transaction } from './admin/transaction.ts';
import { user } from './admin/user.ts';
import { broker } from './broker.ts';
import { cluster } from './cluster.ts';
import { gateway } from './gateway.ts';
import { group } from './group.ts';
import { log } from './log.ts';
import { processors } from './processors.ts';
import { schemaRegistry } from './schema-registry.ts';
import { start } from './start.ts';
import type { Command } from './types.ts';

export const commands: Record<string, Command> = {
  broker,
  group,
  cluster,
  gateway,
  log,
  start,
  processors,
  'schema-registry': schemaRegistry,
  login,
  token,
  tenant,
  user,
  key,
  quota,
  acl,
  topic,
  request,
  processor,
  transaction,
  schema,
};
