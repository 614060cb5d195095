/**
 * The schema-registry subjects of a topic, by TopicNameStrategy (the default of Confluent's serializers):
 * `<topic>-key` and `<topic>-value`, each with its latest version, from the tenant's registry.
 */
import type { Tenant } from '@samsa/db';
import { registry, SchemaRegistryError, SchemaRegistryUnavailable } from '../schemas/registry-client.ts';
import type { TopicSubjectsView } from './schemas.ts';
import { findTopic } from './service.ts';

async function latest(tenant: Tenant, subject: string) {
  try {
    const v = await registry.version(tenant.slug, subject, 'latest');
    return { subject, version: v.version, schemaId: v.id, schemaType: v.schemaType };
  } catch (err) {
    // 40401: no such subject (or every version deleted).
    if (err instanceof SchemaRegistryError && err.status === 404) return null;
    throw err;
  }
}

/** `registryError` says why the registry could not be asked (not configured, not answering); the topic page still shows. */
export async function topicSubjects(tenant: Tenant, topic: string): Promise<TopicSubjectsView> {
  await findTopic(tenant, topic);
  try {
    const [key, value] = await Promise.all([latest(tenant, `${topic}-key`), latest(tenant, `${topic}-value`)]);
    return { key, value, registryError: null };
  } catch (err) {
    if (err instanceof SchemaRegistryUnavailable || err instanceof SchemaRegistryError) {
      return { key: null, value: null, registryError: err.message };
    }
    throw err;
  }
}
