/** DeleteTopics: by name (all versions) or by topic id (v6+); a deleted topic leaves the open transactions. */
import { type DeleteTopics, ErrorCode, type ResponseOf, ZERO_UUID } from '@samsa/protocol';
import { toErrorCode } from '../errors.ts';
import type { Handler } from '../request-context.ts';

export const handleDeleteTopics: Handler<typeof DeleteTopics> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof DeleteTopics>> => {
  const { topics } = ctx.state;
  const { access } = ctx;
  const wanted =
    ctx.version >= 6
      ? (req.topics ?? []).map((t) => ({ name: t.name, topicId: t.topicId ?? ZERO_UUID }))
      : (req.topicNames ?? []).map((name) => ({ name, topicId: ZERO_UUID }));
  const responses: ResponseOf<typeof DeleteTopics>['responses'][number][] = [];
  for (const w of wanted) {
    const byIdTopic = w.name === null ? topics.getById(w.topicId) : undefined;
    const found =
      w.name !== null
        ? topics.get(access.toInternal(w.name))
        : byIdTopic && access.owns(byIdTopic.name)
          ? byIdTopic
          : undefined;
    const name = w.name ?? (found ? access.toExternal(found.name) : null);
    if (found && name !== null && !access.canTopic('DELETE', name)) {
      responses.push({
        name,
        topicId: w.topicId,
        errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        errorMessage: 'not authorized to delete this topic',
      });
      continue;
    }
    const topic = found;
    if (!topic) {
      const byId = w.name === null;
      responses.push({
        name: w.name,
        topicId: w.topicId,
        errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: byId ? `no topic with id ${w.topicId}` : `topic '${w.name}' does not exist`,
      });
      continue;
    }
    try {
      await topics.delete(topic.name);
      await ctx.state.transactions.dropTopic(topic.name);
      responses.push({ name, topicId: topic.id, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (err) {
      responses.push({ name, topicId: topic.id, ...toErrorCode(err) });
    }
  }
  return { throttleTimeMs: 0, responses };
};
