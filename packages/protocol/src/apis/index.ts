/** The registry of every API this broker implements, by key. */
import type { ApiDefinition } from '../schema.ts';
import { ApiVersions } from './api-versions.ts';
import { Metadata } from './metadata.ts';

export { ApiVersions, Metadata };

export const ALL_APIS: readonly ApiDefinition[] = [ApiVersions, Metadata];

export const API_BY_KEY: ReadonlyMap<number, ApiDefinition> = new Map(ALL_APIS.map((a) => [a.key, a]));
