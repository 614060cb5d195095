/**
 * Applies a deployment's start position to the processor's group: every input partition's committed offset moves
 * to earliest, latest, the first offset at a timestamp, or a given offset (clamped to the partition); `committed`
 * leaves them. The broker takes such a commit only while the group has no members, so the reconciler stops the
 * processor's tasks on every host first (they all watch the active deployment) and calls this until it succeeds.
 */
import { Admin, Consumer } from '@platformatic/kafka';
import { z } from 'zod';
import { processorGroupId, type StartPosition } from '../types.ts';
import { commitWithMetadata, EARLIEST, LATEST, partitionOffsets, type TenantAccess } from './kafka-access.ts';
import { encodeFenceMetadata, outputPartitionKey } from './output-fence.ts';

export const startPositionSchema: z.ZodType<StartPosition> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('earliest') }),
  z.object({ kind: z.literal('latest') }),
  z.object({ kind: z.literal('timestamp'), timestampMs: z.number().int().min(0) }),
  z.object({ kind: z.literal('offset'), offset: z.number().int().min(0) }),
  z.object({ kind: z.literal('committed') }),
]);

export interface SeekTarget {
  name: string;
  inputTopic: string;
  /** Output and dead-letter topics: an exactly-once commit names their current ends (nothing to skip). */
  writtenTopics: string[];
  startFrom: StartPosition;
}

/** Why a seek must wait: members of the group are still there (another host has not stopped yet). */
export class GroupBusyError extends Error {
  override readonly name = 'GroupBusyError';
}

export async function seekGroup(access: TenantAccess, clientId: string, target: SeekTarget): Promise<string> {
  const start = target.startFrom;
  if (start.kind === 'committed') return 'committed offsets kept';
  const groupId = access.name(processorGroupId(target.name));
  const admin = new Admin(access.clientOptions(clientId));
  const consumer = new Consumer({ ...access.clientOptions(clientId), groupId });
  try {
    const group = (await admin.describeGroups({ groups: [groupId] })).get(groupId);
    if (group && group.members.size > 0)
      throw new GroupBusyError(`group ${groupId} still has ${group.members.size} member(s)`);
    const input = access.name(target.inputTopic);
    const earliest = await partitionOffsets(consumer, input, EARLIEST);
    const latest = await partitionOffsets(consumer, input, LATEST);
    let wanted: bigint[];
    if (start.kind === 'earliest') wanted = earliest;
    else if (start.kind === 'latest') wanted = latest;
    else if (start.kind === 'timestamp') {
      const atTime = await partitionOffsets(consumer, input, BigInt(start.timestampMs));
      wanted = atTime.map((o, p) => (o < 0n ? latest[p]! : o));
    } else {
      const o = BigInt(start.offset);
      wanted = earliest.map((e, p) => (o < e ? e : o > latest[p]! ? latest[p]! : o));
    }
    const ends = new Map<string, bigint>();
    for (const topic of target.writtenTopics) {
      const offsets = await partitionOffsets(consumer, access.name(topic), LATEST);
      for (const [p, o] of offsets.entries()) ends.set(outputPartitionKey(topic, p), o);
    }
    const metadata = encodeFenceMetadata(ends);
    await commitWithMetadata(
      consumer,
      input,
      wanted.map((offset, partition) => ({ partition, offset, metadata })),
      false,
    );
    return `input offsets set to ${wanted.map((o, p) => `${p}:${o}`).join(' ')}`;
  } finally {
    await Promise.allSettled([admin.close(), consumer.close(true)]);
  }
}
