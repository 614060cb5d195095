/**
 * DescribeLogDirs: partition sizes on the cluster's disks (the console's topic pages show them). Topics asked for gain
 * the tenant's prefix (those Samsa's ACLs let it DESCRIBE); an answer lists only the tenant's topics, without the
 * prefix. A log directory's path and its disk's total and usable bytes are the cluster's: a tenant gets them blanked,
 * the platform superuser as Kafka gave them.
 */
import { DescribeLogDirs } from '@samsa/protocol';
import { type ApiRewrite, external, type Msg } from './context.ts';

export const describeLogDirsRewrite: ApiRewrite = {
  api: DescribeLogDirs,
  request(ctx, req) {
    // null asks for every topic: the answer is filtered below.
    if (req.topics === null) return { send: req };
    const kept = (req.topics as Msg[]).filter((t) => ctx.access.canTopic('DESCRIBE', t.topic));
    return { send: { ...req, topics: kept.map((t) => ({ ...t, topic: ctx.access.toInternal(t.topic) })) } };
  },
  response(ctx, res) {
    for (const dir of res.results as Msg[]) {
      dir.topics = (dir.topics as Msg[]).filter((t) => {
        const name = external(ctx, t.name);
        if (name === null || !ctx.access.canTopic('DESCRIBE', name)) return false;
        t.name = name;
        return true;
      });
      if (ctx.access.prefix !== null) {
        dir.logDir = '';
        dir.totalBytes = -1n;
        dir.usableBytes = -1n;
      }
    }
  },
};
