/**
 * Checks on what members put into a group: the size of a member's JoinGroup metadata and SyncGroup assignment, and,
 * for protocol type "consumer", that they are real ConsumerProtocolSubscription / ConsumerProtocolAssignment
 * payloads. Kafka's broker stores them unread, but every admin tool and lag monitor decodes them (DescribeGroups), so
 * one member's malformed bytes would break those tools for the whole group. Other protocol types (e.g. "connect")
 * are only size-checked.
 */
import { decodeConsumerAssignment, decodeConsumerSubscription } from '@samsa/protocol';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** The problem with a joining member's protocols, or null. */
export function joinMetadataProblem(
  protocolType: string,
  protocols: { name: string; metadata: Buffer }[],
  maxBytes: number,
): string | null {
  let total = 0;
  for (const p of protocols) total += p.metadata.length;
  if (total > maxBytes) {
    return `member metadata is ${total} bytes, more than the ${maxBytes} allowed (--group-member-metadata-max-bytes)`;
  }
  if (protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
  for (const p of protocols) {
    try {
      decodeConsumerSubscription(p.metadata);
    } catch (err) {
      return `metadata of protocol '${p.name}' is not a consumer-protocol subscription (${(err as Error).message})`;
    }
  }
  return null;
}

/**
 * The problem with what a KIP-848 member asks the broker to keep for it (its subscribed topic names, rack, instance
 * id and assignor), or null: held to the classic members' metadata bound, so a member cannot make the coordinator
 * keep megabytes of names.
 */
export function heartbeatMetadataProblem(
  member: {
    subscribedTopicNames: string[] | null;
    rackId: string | null;
    instanceId: string | null;
    serverAssignor: string | null;
  },
  maxBytes: number,
): string | null {
  let total = 0;
  for (const name of member.subscribedTopicNames ?? []) total += Buffer.byteLength(name);
  for (const s of [member.rackId, member.instanceId, member.serverAssignor]) if (s) total += Buffer.byteLength(s);
  if (total > maxBytes) {
    return `member metadata is ${total} bytes, more than the ${maxBytes} allowed (--group-member-metadata-max-bytes)`;
  }
  return null;
}

/** The problem with a leader's assignments, or null. */
export function assignmentProblem(
  protocolType: string | null,
  assignments: { memberId: string; assignment: Buffer }[],
  maxBytes: number,
): string | null {
  for (const a of assignments) {
    if (a.assignment.length > maxBytes) {
      return `assignment of member '${a.memberId}' is ${a.assignment.length} bytes, more than the ${maxBytes} allowed (--group-member-metadata-max-bytes)`;
    }
    if (protocolType !== CONSUMER_PROTOCOL_TYPE) continue;
    try {
      decodeConsumerAssignment(a.assignment);
    } catch (err) {
      return `assignment of member '${a.memberId}' is not a consumer-protocol assignment (${(err as Error).message})`;
    }
  }
  return null;
}
