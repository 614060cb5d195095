/** DescribeGroups: state, protocol and members with their metadata and assignment bytes (Dead for unknown groups). */
import { type DescribeGroups, ErrorCode, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';
import { groupIn } from './group-access.ts';

export const handleDescribeGroups: Handler<typeof DescribeGroups> = (ctx, req): ResponseOf<typeof DescribeGroups> => ({
  throttleTimeMs: 0,
  groups: req.groups.map((groupId) => {
    if (!ctx.access.canGroup('DESCRIBE', groupId)) {
      return {
        errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
        groupId,
        groupState: '',
        protocolType: '',
        protocolData: '',
        members: [],
        authorizedOperations: -2147483648,
      };
    }
    const internal = groupIn(ctx, groupId);
    // A KIP-848 group is not a classic group: Kafka answers GROUP_ID_NOT_FOUND (ConsumerGroupDescribe describes it).
    const consumerProtocol = ctx.state.groups.consumerProtocol.describe(internal) !== undefined;
    const d = ctx.state.groups.describe(internal);
    return {
      errorCode:
        groupId === '' ? ErrorCode.INVALID_GROUP_ID : consumerProtocol ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NONE,
      groupId,
      groupState: d.state,
      protocolType: d.protocolType,
      protocolData: d.protocolName,
      members: d.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: m.metadata,
        memberAssignment: m.assignment,
      })),
      authorizedOperations: -2147483648,
    };
  }),
});
