/**
 * TopicIdRegistry: the Kafka topic ids the gateway has seen as a tenant's topics (in Metadata answers, by name under
 * the tenant's prefix). A request naming a topic by id is forwarded only for an id known here for that tenant, so a
 * tenant cannot reach another's topic by guessing or learning its id. Bounded; emptied when full (ids are learned
 * again from the next Metadata answer).
 */
import { ZERO_UUID } from '@samsa/protocol';

export class TopicIdRegistry {
  private readonly maxIds: number;
  /** tenant id -> topic id -> the cluster's topic name. */
  private byTenant = new Map<string, Map<string, string>>();
  private count = 0;

  constructor(maxIds: number) {
    this.maxIds = maxIds;
  }

  learn(tenantId: string, topicId: string, internalName: string): void {
    if (topicId === ZERO_UUID) return;
    let ids = this.byTenant.get(tenantId);
    if (!ids) {
      ids = new Map();
      this.byTenant.set(tenantId, ids);
    }
    if (ids.get(topicId) === internalName) return;
    if (this.count >= this.maxIds) {
      this.byTenant = new Map([[tenantId, (ids = new Map())]]);
      this.count = 0;
    }
    if (!ids.has(topicId)) this.count++;
    ids.set(topicId, internalName);
  }

  /** The cluster's name of a topic id known as this tenant's, or null. */
  nameOf(tenantId: string, topicId: string): string | null {
    return this.byTenant.get(tenantId)?.get(topicId) ?? null;
  }

  forget(tenantId: string, topicId: string): void {
    if (this.byTenant.get(tenantId)?.delete(topicId)) this.count--;
  }
}
