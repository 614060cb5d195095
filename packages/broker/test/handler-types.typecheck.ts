/**
 * Compile-time proof that the handler table cannot pair an API with the wrong handler or answer with a response its
 * definition does not have: `pnpm typecheck` fails if any `@ts-expect-error` below stops being an error.
 */
import type { Fetch, Metadata, Produce, ResponseOf } from '@samsa/protocol';
import { handleFetch } from '../src/handlers/fetch.ts';
import { handleProduce } from '../src/handlers/produce.ts';
import type { Handler } from '../src/request-context.ts';

export const produce: Handler<typeof Produce> = handleProduce;

// @ts-expect-error Fetch's handler answers with a Fetch response, not a Produce one
export const swapped: Handler<typeof Produce> = handleFetch;

/**
 * TypeScript checks a returned object literal for unknown properties only against a declared return type, not
 * against the function type it is assigned to, so every handler declares its return type as this one does.
 */
export const misspelled: Handler<typeof Metadata> = (): ResponseOf<typeof Metadata> => ({
  throttleTimeMs: 0,
  brokers: [],
  clusterId: null,
  controllerId: 1,
  topics: [],
  // @ts-expect-error no version of Metadata has this field
  clusterAuthorisedOperations: 0,
});

export const wrongRequestField: Handler<typeof Fetch> = (_ctx, req) => {
  // @ts-expect-error Fetch partitions carry fetchOffset, not offset
  const offset: bigint = req.topics[0]!.partitions[0]!.offset;
  void offset;
  return null;
};
