/** DeleteTopics: by name (all versions) or by topic id (v6+). */
import { ErrorCode, ZERO_UUID } from '@samsa/protocol';
import { toErrorCode } from '../errors.ts';
import type { Handler } from '../request-context.ts';

interface DeleteTopicsRequest {
  topics: { name: string | null; topicId: string }[];
  topicNames: string[];
}

export const handleDeleteTopics: Handler = async (ctx, req: DeleteTopicsRequest) => {
  const { topics } = ctx.state;
  const wanted = ctx.version >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
  const responses = [];
  for (const w of wanted) {
    const topic = w.name !== null ? topics.get(w.name) : topics.getById(w.topicId);
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
      responses.push({ name: topic.name, topicId: topic.id, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (err) {
      responses.push({ name: topic.name, topicId: topic.id, ...toErrorCode(err) });
    }
  }
  return { throttleTimeMs: 0, responses };
};
