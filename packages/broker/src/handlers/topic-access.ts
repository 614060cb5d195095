/** Resolving a topic a client named: its namespace, whether it may perform `op` on it, and whether it exists. */
import { ErrorCode } from '@samsa/protocol';
import type { RequestContext } from '../request-context.ts';
import type { AclOperationName } from '../tenancy/metadata-view.ts';
import type { Topic } from '../topics/topic-registry.ts';

export type TopicLookup =
  | { topic: Topic; errorCode: 0 }
  | { topic: undefined; errorCode: number; errorMessage: string };

export function topicFor(ctx: RequestContext, name: string, op: AclOperationName): TopicLookup {
  if (!ctx.access.canTopic(op, name)) {
    return {
      topic: undefined,
      errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      errorMessage: `not authorized to ${op} topic '${name}'`,
    };
  }
  const topic = ctx.state.topics.get(ctx.access.toInternal(name));
  if (!topic) {
    return {
      topic: undefined,
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: `topic '${name}' does not exist`,
    };
  }
  return { topic, errorCode: 0 };
}
