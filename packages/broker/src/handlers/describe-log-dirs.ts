/**
 * DescribeLogDirs: the one log directory and, per partition, the bytes its segments take on disk — what admin tools
 * and the console show as topic sizes. As in Kafka it needs DESCRIBE on the cluster (v3+ answer
 * CLUSTER_AUTHORIZATION_FAILED, older versions an empty list). A tenant sees only its own topics, under its own names,
 * and neither the broker's path nor its disk: its directory is named for the tenant and the volume sizes are -1.
 */
import { statfs } from 'node:fs/promises';
import { type DescribeLogDirs, ErrorCode, type RequestOf, type ResponseOf } from '@samsa/protocol';
import type { Handler, RequestContext } from '../request-context.ts';
import type { Topic } from '../topics/topic-registry.ts';

type DescribeLogDirsRequest = RequestOf<typeof DescribeLogDirs>;

type PartitionSize = ResponseOf<typeof DescribeLogDirs>['results'][number]['topics'][number]['partitions'][number];

function sizesOf(topic: Topic, only: number[] | null): PartitionSize[] {
  const wanted = only === null ? null : new Set(only);
  const out: PartitionSize[] = [];
  topic.partitions.forEach((p, index) => {
    if (wanted && !wanted.has(index)) return;
    out.push({ partitionIndex: index, partitionSize: BigInt(p.log.sizeBytes), offsetLag: 0n, isFutureKey: false });
  });
  return out;
}

/** The topics the request names (or all), that this principal may describe; unknown ones are left out, as in Kafka. */
function describedTopics(ctx: RequestContext, req: DescribeLogDirsRequest) {
  const { access, state } = ctx;
  const out: { name: string; partitions: PartitionSize[] }[] = [];
  if (req.topics === null) {
    for (const t of state.topics.list()) {
      if (!access.owns(t.name)) continue;
      const name = access.toExternal(t.name);
      if (access.canTopic('DESCRIBE', name)) out.push({ name, partitions: sizesOf(t, null) });
    }
    return out;
  }
  for (const requested of req.topics) {
    if (!access.canTopic('DESCRIBE', requested.topic)) continue;
    const topic = state.topics.get(access.toInternal(requested.topic));
    if (topic) out.push({ name: requested.topic, partitions: sizesOf(topic, requested.partitions) });
  }
  return out;
}

async function volumeBytes(dir: string): Promise<{ totalBytes: bigint; usableBytes: bigint }> {
  try {
    const s = await statfs(dir, { bigint: true });
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return { totalBytes: -1n, usableBytes: -1n };
  }
}

export const handleDescribeLogDirs: Handler<typeof DescribeLogDirs> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof DescribeLogDirs>> => {
  const { access, state } = ctx;
  if (!access.canCluster('DESCRIBE')) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
  }
  const tenant = access.principal.kind === 'tenant' ? access.principal.tenant.slug : null;
  const volume = tenant === null ? await volumeBytes(state.config.dataDir) : { totalBytes: -1n, usableBytes: -1n };
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    results: [
      {
        errorCode: ErrorCode.NONE,
        logDir: tenant === null ? state.config.dataDir : `/tenants/${tenant}`,
        topics: describedTopics(ctx, req),
        ...volume,
      },
    ],
  };
};
