/**
 * Test support: a raw-socket group member that puts bytes of its choice into its group (JoinGroup + SyncGroup
 * through @samsa/protocol's codecs), as any tenant's client can, to attack whoever reads the group's members.
 */
import { ErrorCode, JoinGroup, LeaveGroup, SyncGroup } from '@samsa/protocol';
import { RawClient } from './raw-client.ts';

/** Version 0, then a topic count of 2^31-1 with nothing behind it. */
export const GARBAGE_ASSIGNMENT = Buffer.from([0x00, 0x00, 0x7f, 0xff, 0xff, 0xff]);

/** A valid v0 subscription to `orders` (a broker may check subscriptions; the assignment is the bad part). */
export const ORDERS_SUBSCRIPTION = Buffer.concat([
  Buffer.from([0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06]), // version 0, 1 topic, name of 6 bytes
  Buffer.from('orders'),
  Buffer.from([0xff, 0xff, 0xff, 0xff]), // user data: null
]);

export interface BadMember {
  memberId: string;
  /** 0 when the broker accepted the assignment bytes; a broker that checks them refuses with an error code. */
  syncError: number;
  leave(): Promise<void>;
}

/**
 * Joins `groupId` (protocol type "consumer") as its only member, so it is the leader, and syncs with
 * `assignment` for itself. The session lasts a minute; `leave()` leaves and closes the socket.
 */
export async function joinWithAssignment(
  port: number,
  groupId: string,
  assignment: Buffer,
  options: { sasl?: { username: string; password: string } } = {},
): Promise<BadMember> {
  const client = await RawClient.connect(port);
  if (options.sasl) await client.saslPlain(options.sasl.username, options.sasl.password);
  const join = (memberId: string) =>
    client.request(JoinGroup, 5, {
      groupId,
      sessionTimeoutMs: 60_000,
      rebalanceTimeoutMs: 60_000,
      memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: ORDERS_SUBSCRIPTION }],
    });
  let joined = await join('');
  if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) joined = await join(joined.memberId as string);
  if (joined.errorCode !== 0) throw new Error(`JoinGroup failed with error code ${joined.errorCode}`);
  const memberId = joined.memberId as string;
  const synced = await client.request(SyncGroup, 3, {
    groupId,
    generationId: joined.generationId,
    memberId,
    groupInstanceId: null,
    assignments: [{ memberId, assignment }],
  });
  return {
    memberId,
    syncError: synced.errorCode as number,
    async leave() {
      const left = await client.request(LeaveGroup, 1, { groupId, memberId });
      client.close();
      if (left.errorCode !== 0) throw new Error(`LeaveGroup failed with error code ${left.errorCode}`);
    },
  };
}
