/**
 * The consumer protocol's payloads inside JoinGroup, SyncGroup and DescribeGroups (subscriptions and assignments)
 * name topics too. Kafka passes them through, but its tools and lag monitors read them, so they carry the cluster's
 * names there and the client's names here. Only for groups of protocol type "consumer"; a payload that does not
 * decode as one is left as it is (Kafka does not read it either).
 */
import {
  CONSUMER_PROTOCOL_MAX_VERSION,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
} from '@samsa/protocol';
import type { RewriteContext } from './context.ts';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

type Direction = 'toCluster' | 'toClient';

function renamer(ctx: RewriteContext, direction: Direction): (name: string) => string {
  if (direction === 'toCluster') return (name) => ctx.access.toInternal(name);
  return (name) => (ctx.access.owns(name) ? ctx.access.toExternal(name) : name);
}

export function rewriteSubscription(ctx: RewriteContext, bytes: Buffer, direction: Direction): Buffer {
  if (bytes.length === 0) return bytes;
  try {
    const sub = decodeConsumerSubscription(Buffer.from(bytes));
    const rename = renamer(ctx, direction);
    return encodeConsumerSubscription({
      ...sub,
      version: Math.min(sub.version, CONSUMER_PROTOCOL_MAX_VERSION),
      topics: sub.topics.map(rename),
      ownedPartitions: sub.ownedPartitions.map((p) => ({ ...p, topic: rename(p.topic) })),
    });
  } catch {
    return bytes;
  }
}

export function rewriteAssignment(ctx: RewriteContext, bytes: Buffer, direction: Direction): Buffer {
  if (bytes.length === 0) return bytes;
  try {
    const assignment = decodeConsumerAssignment(Buffer.from(bytes));
    const rename = renamer(ctx, direction);
    return encodeConsumerAssignment({
      ...assignment,
      version: Math.min(assignment.version, CONSUMER_PROTOCOL_MAX_VERSION),
      assignedPartitions: assignment.assignedPartitions.map((p) => ({ ...p, topic: rename(p.topic) })),
    });
  } catch {
    return bytes;
  }
}
