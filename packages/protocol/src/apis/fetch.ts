/** Fetch (key 1): read record batches from partitions, with long polling and incremental fetch sessions. */
import { defineApi, f } from '../schema.ts';

export const Fetch = defineApi({
  key: 1,
  name: 'Fetch',
  versions: '4-17',
  flexible: '12+',
  request: [
    f.string('clusterId', '12+', { nullable: '12+', default: null, tag: 0, taggedVersions: '12+' }),
    f.int32('replicaId', '0-14', { default: -1 }),
    f.struct(
      'replicaState',
      '15+',
      [f.int32('replicaId', '15+', { default: -1 }), f.int64('replicaEpoch', '15+', { default: -1n })],
      { tag: 1, taggedVersions: '15+' },
    ),
    f.int32('maxWaitMs', '0+'),
    f.int32('minBytes', '0+'),
    f.int32('maxBytes', '3+', { default: 0x7fffffff }),
    f.int8('isolationLevel', '4+'),
    f.int32('sessionId', '7+'),
    f.int32('sessionEpoch', '7+', { default: -1 }),
    f.structs('topics', '0+', [
      f.string('topic', '0-12'),
      f.uuid('topicId', '13+'),
      f.structs('partitions', '0+', [
        f.int32('partition', '0+'),
        f.int32('currentLeaderEpoch', '9+', { default: -1 }),
        f.int64('fetchOffset', '0+'),
        f.int32('lastFetchedEpoch', '12+', { default: -1 }),
        f.int64('logStartOffset', '5+', { default: -1n }),
        f.int32('partitionMaxBytes', '0+'),
        f.uuid('replicaDirectoryId', '17+', { tag: 0, taggedVersions: '17+' }),
      ]),
    ]),
    f.structs('forgottenTopicsData', '7+', [
      f.string('topic', '7-12'),
      f.uuid('topicId', '13+'),
      f.array('partitions', '7+', 'int32'),
    ]),
    f.string('rackId', '11+'),
  ],
  response: [
    f.int32('throttleTimeMs', '1+'),
    f.int16('errorCode', '7+'),
    f.int32('sessionId', '7+'),
    f.structs('responses', '0+', [
      f.string('topic', '0-12'),
      f.uuid('topicId', '13+'),
      f.structs('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int16('errorCode', '0+'),
        f.int64('highWatermark', '0+'),
        f.int64('lastStableOffset', '4+', { default: -1n }),
        f.int64('logStartOffset', '5+', { default: -1n }),
        f.struct(
          'divergingEpoch',
          '12+',
          [f.int32('epoch', '12+', { default: -1 }), f.int64('endOffset', '12+', { default: -1n })],
          { tag: 0, taggedVersions: '12+' },
        ),
        f.struct(
          'currentLeader',
          '12+',
          [f.int32('leaderId', '12+', { default: -1 }), f.int32('leaderEpoch', '12+', { default: -1 })],
          { tag: 1, taggedVersions: '12+' },
        ),
        f.struct(
          'snapshotId',
          '12+',
          [f.int64('endOffset', '0+', { default: -1n }), f.int32('epoch', '0+', { default: -1 })],
          { tag: 2, taggedVersions: '12+' },
        ),
        f.structs('abortedTransactions', '4+', [f.int64('producerId', '4+'), f.int64('firstOffset', '4+')], {
          nullable: '4+',
        }),
        f.int32('preferredReadReplica', '11+', { default: -1 }),
        f.records('records', '0+', { nullable: '0+' }),
      ]),
    ]),
    f.structs(
      'nodeEndpoints',
      '16+',
      [
        f.int32('nodeId', '16+'),
        f.string('host', '16+'),
        f.int32('port', '16+'),
        f.string('rack', '16+', { nullable: '16+', default: null }),
      ],
      { tag: 0, taggedVersions: '16+' },
    ),
  ],
});
