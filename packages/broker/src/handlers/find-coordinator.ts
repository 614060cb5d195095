/** FindCoordinator: this broker coordinates every group (key type 0) and every transactional id (type 1). */
import { ErrorCode, type FindCoordinator, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

export const handleFindCoordinator: Handler<typeof FindCoordinator> = (
  ctx,
  req,
): ResponseOf<typeof FindCoordinator> => {
  const { host, port } = ctx.state.advertised();
  const nodeId = ctx.state.config.nodeId;
  const keyType = req.keyType ?? KEY_TYPE_GROUP;
  const found = (key: string) => ({ key, nodeId, host, port, errorCode: ErrorCode.NONE, errorMessage: null });
  const refused = (key: string, errorCode: number, errorMessage: string) => ({
    key,
    nodeId: -1,
    host: '',
    port: -1,
    errorCode,
    errorMessage,
  });
  const answer = (key: string) => {
    if (keyType === KEY_TYPE_GROUP) {
      return ctx.access.canGroup('DESCRIBE', key)
        ? found(key)
        : refused(key, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'not authorized');
    }
    if (keyType === KEY_TYPE_TRANSACTION) {
      return ctx.access.canTransactionalId('DESCRIBE', key)
        ? found(key)
        : refused(key, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'not authorized');
    }
    return refused(key, ErrorCode.INVALID_REQUEST, `unknown coordinator key type ${keyType}`);
  };
  if (ctx.version >= 4) return { throttleTimeMs: 0, coordinators: (req.coordinatorKeys ?? []).map(answer) };
  const single = answer(req.key ?? '');
  return {
    throttleTimeMs: 0,
    errorCode: single.errorCode,
    errorMessage: single.errorMessage,
    nodeId: single.nodeId,
    host: single.host,
    port: single.port,
    coordinators: [],
  };
};
