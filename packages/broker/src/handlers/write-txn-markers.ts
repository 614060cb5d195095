/**
 * WriteTxnMarkers: writes commit or abort markers into partitions for a producer, as Kafka's partition leaders do
 * for the coordinator. Samsa's coordinator writes its markers itself; clients send this to abort a hanging
 * transaction (kafka-transactions abort, Admin.abortTransaction). It is CLUSTER_ACTION in Kafka: only the platform
 * superuser (or a broker with auth off) may send it; a tenant gets CLUSTER_AUTHORIZATION_FAILED for every partition.
 */
import { ErrorCode, type ResponseOf, type WriteTxnMarkers } from '@samsa/protocol';
import type { Handler } from '../request-context.ts';

type MarkerResult = ResponseOf<typeof WriteTxnMarkers>['markers'][number];

export const handleWriteTxnMarkers: Handler<typeof WriteTxnMarkers> = async (
  ctx,
  req,
): Promise<ResponseOf<typeof WriteTxnMarkers>> => {
  const { access, state } = ctx;
  const allowed = access.isSuperuser;
  const markers: MarkerResult[] = [];
  for (const m of req.markers) {
    const topics: MarkerResult['topics'][number][] = [];
    for (const t of m.topics) {
      const partitions = await Promise.all(
        t.partitionIndexes.map(async (partitionIndex) => {
          if (!allowed) return { partitionIndex, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED };
          const partition = state.topics.get(access.toInternal(t.name))?.partitions[partitionIndex];
          if (!partition) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          const epoch = partition.producerEpoch(m.producerId);
          if (epoch !== undefined && m.producerEpoch < epoch) {
            return { partitionIndex, errorCode: ErrorCode.INVALID_PRODUCER_EPOCH };
          }
          await partition.writeMarker(m.producerId, m.producerEpoch, m.transactionResult);
          state.fetchWaiters.notify(partition.topic, partitionIndex);
          state.logger.info(
            {
              topic: partition.topic,
              partition: partitionIndex,
              producerId: m.producerId.toString(),
              producerEpoch: m.producerEpoch,
              commit: m.transactionResult,
            },
            'wrote a transaction marker requested by WriteTxnMarkers',
          );
          return { partitionIndex, errorCode: ErrorCode.NONE };
        }),
      );
      topics.push({ name: t.name, partitions });
    }
    markers.push({ producerId: m.producerId, topics });
  }
  return { markers };
};
