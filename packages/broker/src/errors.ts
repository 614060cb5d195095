/** Maps the broker's typed errors to Kafka error codes and messages, in one place. */
import { ErrorCode } from '@samsa/protocol';
import { OffsetOutOfRangeError } from './log/types.ts';
import { InvalidConfigError } from './topics/topic-config.ts';
import {
  InvalidPartitionsError,
  InvalidTopicError,
  TopicExistsError,
  UnknownTopicError,
} from './topics/topic-registry.ts';

export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}
export class InvalidReplicationFactorError extends Error {
  override readonly name = 'InvalidReplicationFactorError';
}
export class InvalidReplicaAssignmentError extends Error {
  override readonly name = 'InvalidReplicaAssignmentError';
}

export class TopicAuthorizationError extends Error {
  override readonly name = 'TopicAuthorizationError';
}
export class GroupAuthorizationError extends Error {
  override readonly name = 'GroupAuthorizationError';
}
export class ClusterAuthorizationError extends Error {
  override readonly name = 'ClusterAuthorizationError';
}
/** A tenant quota (topics, partitions, storage) would be exceeded; the message names the quota. */
export class PolicyViolationError extends Error {
  override readonly name = 'PolicyViolationError';
}

const CODES: [new (...args: never[]) => Error, number][] = [
  [TopicAuthorizationError, ErrorCode.TOPIC_AUTHORIZATION_FAILED],
  [GroupAuthorizationError, ErrorCode.GROUP_AUTHORIZATION_FAILED],
  [ClusterAuthorizationError, ErrorCode.CLUSTER_AUTHORIZATION_FAILED],
  [PolicyViolationError, ErrorCode.POLICY_VIOLATION],
  [TopicExistsError, ErrorCode.TOPIC_ALREADY_EXISTS],
  [InvalidTopicError, ErrorCode.INVALID_TOPIC_EXCEPTION],
  [InvalidPartitionsError, ErrorCode.INVALID_PARTITIONS],
  [UnknownTopicError, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  [InvalidConfigError, ErrorCode.INVALID_CONFIG],
  [OffsetOutOfRangeError, ErrorCode.OFFSET_OUT_OF_RANGE],
  [InvalidRequestError, ErrorCode.INVALID_REQUEST],
  [InvalidReplicationFactorError, ErrorCode.INVALID_REPLICATION_FACTOR],
  [InvalidReplicaAssignmentError, ErrorCode.INVALID_REPLICA_ASSIGNMENT],
];

/** The Kafka error code for a typed error; anything unexpected is rethrown (the connection logs and closes). */
export function toErrorCode(err: unknown): { errorCode: number; errorMessage: string } {
  for (const [type, code] of CODES) {
    if (err instanceof type) return { errorCode: code, errorMessage: err.message };
  }
  throw err;
}
