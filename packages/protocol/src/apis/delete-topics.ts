/** DeleteTopics (key 20): delete topics by name (v0-5) or by name or id (v6+). */
import { defineApi, f } from '../schema.ts';

export const DeleteTopics = defineApi({
  key: 20,
  name: 'DeleteTopics',
  versions: '0-6',
  flexible: '4+',
  request: [
    f.structs('topics', '6+', [f.string('name', '6+', { nullable: '6+', default: null }), f.uuid('topicId', '6+')]),
    f.array('topicNames', '0-5', 'string'),
    f.int32('timeoutMs', '0+'),
  ],
  response: [
    f.int32('throttleTimeMs', '1+'),
    f.structs('responses', '0+', [
      f.string('name', '0+', { nullable: '6+' }),
      f.uuid('topicId', '6+'),
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '5+', { nullable: '5+', default: null }),
    ]),
  ],
});
