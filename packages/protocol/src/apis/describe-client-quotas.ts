/** DescribeClientQuotas (key 48): quota values for the client entities (user, client id, ip) matching a filter. */
import { defineApi, f } from '../schema.ts';

export const DescribeClientQuotas = defineApi({
  key: 48,
  name: 'DescribeClientQuotas',
  versions: '0-1',
  flexible: '1+',
  request: [
    f.structs('components', '0+', [
      f.string('entityType', '0+'),
      f.int8('matchType', '0+'),
      f.string('match', '0+', { nullable: '0+' }),
    ]),
    f.bool('strict', '0+'),
  ],
  response: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullable: '0+' }),
    f.structs(
      'entries',
      '0+',
      [
        f.structs('entity', '0+', [f.string('entityType', '0+'), f.string('entityName', '0+', { nullable: '0+' })]),
        f.structs('values', '0+', [f.string('key', '0+'), f.float64('value', '0+')]),
      ],
      { nullable: '0+' },
    ),
  ],
});
