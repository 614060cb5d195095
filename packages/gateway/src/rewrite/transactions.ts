/**
 * The read-only transaction APIs of the console's transactions page and `kafka-transactions`: ListTransactions,
 * DescribeTransactions and DescribeProducers. Transactional ids and topics gain the tenant's prefix on the way in;
 * answers list only the tenant's, without it. Samsa's ACLs decide as on the broker: DESCRIBE on a transactional id
 * (and on the topics a transaction lists), READ on a topic whose producers are asked for. Transactions themselves
 * (AddPartitionsToTxn, EndTxn, …) are still not forwarded.
 */
import { DescribeProducers, DescribeTransactions, ErrorCode, ListTransactions } from '@samsa/protocol';
import { type ApiRewrite, external, type Msg, partition } from './context.ts';

export const listTransactionsRewrite: ApiRewrite = {
  api: ListTransactions,
  request: (_ctx, req) => ({ send: req }),
  response(ctx, res) {
    res.transactionStates = (res.transactionStates as Msg[]).filter((t) => {
      const id = external(ctx, t.transactionalId);
      if (id === null || !ctx.access.canTransactionalId('DESCRIBE', id)) return false;
      t.transactionalId = id;
      return true;
    });
  },
};

export const describeTransactionsRewrite: ApiRewrite = {
  api: DescribeTransactions,
  request(ctx, req) {
    const { kept, refused } = partition(req.transactionalIds as string[], (id) =>
      ctx.access.canTransactionalId('DESCRIBE', id),
    );
    return {
      send: { ...req, transactionalIds: kept.map((id) => ctx.access.toInternal(id)) },
      merge: (res) => {
        for (const transactionalId of refused)
          res.transactionStates.push({
            errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
            transactionalId,
            transactionState: '',
            transactionTimeoutMs: 0,
            transactionStartTimeMs: -1n,
            producerId: -1n,
            producerEpoch: -1,
            topics: [],
          });
      },
    };
  },
  response(ctx, res) {
    res.transactionStates = (res.transactionStates as Msg[]).filter((t) => {
      const id = external(ctx, t.transactionalId);
      if (id === null) return false;
      t.transactionalId = id;
      t.topics = (t.topics as Msg[]).filter((topic) => {
        const name = external(ctx, topic.topic);
        if (name === null || !ctx.access.canTopic('DESCRIBE', name)) return false;
        topic.topic = name;
        return true;
      });
      return true;
    });
  },
};

export const describeProducersRewrite: ApiRewrite = {
  api: DescribeProducers,
  request(ctx, req) {
    const { kept, refused } = partition(req.topics as Msg[], (t) => ctx.access.canTopic('READ', t.name));
    return {
      send: { ...req, topics: kept.map((t) => ({ ...t, name: ctx.access.toInternal(t.name) })) },
      merge: (res) => {
        for (const t of refused)
          res.topics.push({
            name: t.name,
            partitions: (t.partitionIndexes as number[]).map((partitionIndex) => ({
              partitionIndex,
              errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
              errorMessage: null,
              activeProducers: [],
            })),
          });
      },
    };
  },
  response(ctx, res) {
    res.topics = (res.topics as Msg[]).filter((t) => {
      const name = external(ctx, t.name);
      if (name === null) return false;
      t.name = name;
      return true;
    });
  },
};
