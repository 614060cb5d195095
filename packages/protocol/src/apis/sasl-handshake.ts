/** SaslHandshake (key 17): choose a SASL mechanism; v1 moves the SASL exchange into SaslAuthenticate frames. */
import { defineApi, f } from '../schema.ts';

export const SaslHandshake = defineApi({
  key: 17,
  name: 'SaslHandshake',
  versions: '0-1',
  flexible: 'none',
  request: [f.string('mechanism', '0+')],
  response: [f.int16('errorCode', '0+'), f.array('mechanisms', '0+', 'string')],
});
