/**
 * AlterConfigs (replace all overrides) and IncrementalAlterConfigs (SET/DELETE/APPEND/SUBTRACT per key) for topics.
 * Broker configs are static (flags, env, file) and are refused with a message saying so.
 */
import { type AlterConfigs, ErrorCode, type IncrementalAlterConfigs, type ResponseOf } from '@samsa/protocol';
import { InvalidRequestError, TopicAuthorizationError, toErrorCode } from '../errors.ts';
import type { Handler, RequestContext } from '../request-context.ts';
import { InvalidConfigError, validateTopicConfigs } from '../topics/topic-config.ts';
import { UnknownTopicError } from '../topics/topic-registry.ts';
import { ResourceType } from './describe-configs.ts';

const OP = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

/** A topic config outside its bounds: one log line and one metric, wherever it was asked for. */
export function refuseTopicConfig(ctx: RequestContext, topic: string, err: InvalidConfigError): void {
  ctx.log.info({ topic, reason: err.message }, 'topic config refused');
  ctx.state.metrics.refused('topic_config');
}

/** A resource as AlterConfigs and IncrementalAlterConfigs both name it, with their own kind of config change. */
interface Resource<C> {
  resourceType: number;
  resourceName: string;
  configs: C[];
}

async function alterEach<C>(
  ctx: RequestContext,
  resources: Resource<C>[],
  validateOnly: boolean,
  next: (current: Record<string, string>, configs: C[]) => Record<string, string>,
) {
  const responses: ResponseOf<typeof AlterConfigs>['responses'][number][] = [];
  for (const r of resources) {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    try {
      if (r.resourceType !== ResourceType.TOPIC) {
        throw new InvalidRequestError(
          r.resourceType === ResourceType.BROKER
            ? 'broker configs are static in Samsa: set them with samsa broker flags, SAMSA_* env vars or the config file'
            : `resource type ${r.resourceType} is not supported`,
        );
      }
      if (!ctx.access.canTopic('ALTER_CONFIGS', r.resourceName)) {
        throw new TopicAuthorizationError(`not authorized to alter the configs of topic '${r.resourceName}'`);
      }
      const topic = ctx.state.topics.get(ctx.access.toInternal(r.resourceName));
      if (!topic) throw new UnknownTopicError(`topic '${r.resourceName}' does not exist`);
      const updated = next(topic.configs, r.configs);
      validateTopicConfigs(updated, ctx.state.config);
      if (!validateOnly) await ctx.state.topics.setConfigs(topic.name, updated);
      responses.push({ ...base, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (err) {
      if (err instanceof InvalidConfigError) refuseTopicConfig(ctx, r.resourceName, err);
      responses.push({ ...base, ...toErrorCode(err) });
    }
  }
  return { throttleTimeMs: 0, responses };
}

export const handleAlterConfigs: Handler<typeof AlterConfigs> = (ctx, req): Promise<ResponseOf<typeof AlterConfigs>> =>
  alterEach(ctx, req.resources, req.validateOnly, (_current, configs) => {
    const out: Record<string, string> = {};
    for (const c of configs) if (c.value !== null) out[c.name] = c.value;
    return out;
  });

export const handleIncrementalAlterConfigs: Handler<typeof IncrementalAlterConfigs> = (
  ctx,
  req,
): Promise<ResponseOf<typeof IncrementalAlterConfigs>> =>
  alterEach(ctx, req.resources, req.validateOnly, (current, configs) => {
    const out = { ...current };
    for (const c of configs) {
      const list = (out[c.name] ?? '').split(',').filter((s) => s !== '');
      const items = (c.value ?? '').split(',').filter((s) => s !== '');
      switch (c.configOperation) {
        case OP.SET:
          if (c.value === null) throw new InvalidRequestError(`SET of ${c.name} needs a value`);
          out[c.name] = c.value;
          break;
        case OP.DELETE:
          delete out[c.name];
          break;
        case OP.APPEND:
          out[c.name] = [...list, ...items.filter((i) => !list.includes(i))].join(',');
          break;
        case OP.SUBTRACT:
          out[c.name] = list.filter((i) => !items.includes(i)).join(',');
          break;
        default:
          throw new InvalidRequestError(`unknown config operation ${c.configOperation}`);
      }
    }
    return out;
  });
