/** FindCoordinator: this broker coordinates every group (key type 0); transactions (type 1) are not supported. */
import { ErrorCode, type FindCoordinator, type ResponseOf } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';

const KEY_TYPE_GROUP = 0;

export const handleFindCoordinator: Handler<typeof FindCoordinator> = (
  ctx,
  req,
): ResponseOf<typeof FindCoordinator> => {
  const { host, port } = ctx.state.advertised();
  const nodeId = ctx.state.config.nodeId;
  const answer = (key: string) =>
    (req.keyType ?? KEY_TYPE_GROUP) === KEY_TYPE_GROUP
      ? ctx.access.canGroup('DESCRIBE', key)
        ? { key, nodeId, host, port, errorCode: ErrorCode.NONE, errorMessage: null }
        : {
            key,
            nodeId: -1,
            host: '',
            port: -1,
            errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
            errorMessage: 'not authorized',
          }
      : {
          key,
          nodeId: -1,
          host: '',
          port: -1,
          errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
          errorMessage: 'transactions are not supported by Samsa yet',
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
