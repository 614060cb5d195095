/**
 * Compile-time proof that the message types follow the definitions: `pnpm typecheck` fails if any `@ts-expect-error`
 * line below stops being an error (a misspelled field, a wrong type, a forgotten field accepted again).
 */
import type { ApiVersions, Metadata, Produce, RequestOf, ResponseOf } from '../src/index.ts';

export function produceResponse(): ResponseOf<typeof Produce> {
  return {
    responses: [
      {
        name: 'orders',
        partitionResponses: [
          {
            index: 0,
            errorCode: 0,
            baseOffset: 0n,
            logAppendTimeMs: -1n,
            logStartOffset: 0n,
            recordErrors: [],
            errorMessage: null,
          },
        ],
      },
    ],
    throttleTimeMs: 0,
  };
}

export const misspelled: ResponseOf<typeof ApiVersions> = {
  errorCode: 0,
  apiKeys: [],
  throttleTimeMs: 0,
  // @ts-expect-error a field no version of ApiVersions has
  throtleTimeMs: 0,
};

export const wrongType: ResponseOf<typeof Metadata>['brokers'][number] = {
  nodeId: 1,
  host: 'localhost',
  // @ts-expect-error int32 is a number, not a string
  port: '9092',
  rack: null,
};

// @ts-expect-error throttleTimeMs is in the newest version, so it is required
export const forgotten: ResponseOf<typeof ApiVersions> = { errorCode: 0, apiKeys: [] };

export function int64IsBigint(r: ResponseOf<typeof Produce>['responses'][number]['partitionResponses'][number]): void {
  // @ts-expect-error int64 fields are bigints
  r.baseOffset = 1;
}

/** Metadata v0-12: topicId exists from v10, so a handler must say what an older request means. */
export function versionedRequestField(req: RequestOf<typeof Metadata>): string | undefined {
  const topic = req.topics?.[0];
  // @ts-expect-error possibly undefined: v0-9 requests carry no topicId
  const id: string = topic.topicId;
  return id;
}

/** allowAutoTopicCreation has a definition default (true), filled by the decoder for v0-3. */
export function defaultedRequestField(req: RequestOf<typeof Metadata>): boolean {
  return req.allowAutoTopicCreation;
}

/** Produce's transactionalId is nullable. */
export function nullableRequestField(req: RequestOf<typeof Produce>): string | null {
  // @ts-expect-error nullable: the type includes null
  const id: string = req.transactionalId;
  return id;
}

type MetadataPartition = ResponseOf<typeof Metadata>['topics'][number]['partitions'][number];

/**
 * TypeScript checks excess properties only where an object literal meets a declared type: a struct built in a
 * callback or pushed onto an array is checked when the callback's return or the array's element is declared, as
 * the broker's handlers do.
 */
const leaderOnNode1: Omit<MetadataPartition, 'partitionIndex'> = {
  errorCode: 0,
  leaderId: 1,
  leaderEpoch: 0,
  replicaNodes: [1],
  isrNodes: [1],
  offlineReplicas: [],
};

export function mappedPartitions(indexes: number[]): MetadataPartition[] {
  return indexes.map(
    (partitionIndex): MetadataPartition => ({
      ...leaderOnNode1,
      partitionIndex,
      // @ts-expect-error a misspelled field inside a mapped struct
      offlineReplica: [],
    }),
  );
}

export function pushedPartitions(): MetadataPartition[] {
  const out: MetadataPartition[] = [];
  // @ts-expect-error a forgotten field (partitionIndex) in a pushed struct
  out.push({ ...leaderOnNode1 });
  // @ts-expect-error a misspelled field in a pushed struct
  out.push({ ...leaderOnNode1, partitionIndex: 0, isr: [] });
  return out;
}
