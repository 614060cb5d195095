/**
 * The transaction APIs. Writes: AddPartitionsToTxn (the client form, v0-3; the v4+ batched form is sent by Kafka's
 * brokers to each other and is not advertised), AddOffsetsToTxn, EndTxn and TxnOffsetCommit (InitProducerId is in
 * groups.ts, Produce's transactional id in topics.ts). Reads, for the console's transactions page and
 * `kafka-transactions`: ListTransactions, DescribeTransactions and DescribeProducers. Transactional ids, topics and
 * groups gain the tenant's prefix on the way in; answers list only the tenant's, without it, so a tenant can never
 * name another's transactional id. Samsa's ACLs decide in the gateway as on the broker, with its error codes: WRITE on
 * the transactional id for every write, WRITE on the topics added, READ on the group and its topics for the offsets
 * of a transaction; DESCRIBE on a transactional id (and on the topics a transaction lists) and READ on a topic whose
 * producers are asked for. The gateway advertises no `transaction.version` feature (as the broker), so clients use
 * transaction version 1: partitions are added with AddPartitionsToTxn and EndTxn stops at v4 (v5 bumps the epoch,
 * KIP-890's version 2).
 */
import {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  DescribeProducers,
  DescribeTransactions,
  defineApi,
  EndTxn,
  ErrorCode,
  ListTransactions,
  TxnOffsetCommit,
} from '@samsa/protocol';
import { type ApiRewrite, external, keepOwn, type Msg, partition, partitionErrors, withMerged } from './context.ts';

const TXN_DENIED = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;

/** AddPartitionsToTxn as clients send it; v4+ carries many transactions and comes only from brokers. */
export const AddPartitionsToTxnClient = defineApi({ ...AddPartitionsToTxn, versions: '0-3' });
/** EndTxn of transaction version 1: v5 answers with a bumped epoch, for clients told `transaction.version` 2. */
export const EndTxnV1 = defineApi({ ...EndTxn, versions: '0-4' });

/** The client's topics, each partition answered with the code `codeOf` gives (the broker's AddPartitionsToTxn form). */
function partitionResults(topics: Msg[], codeOf: (topic: string) => number): Msg[] {
  return topics.map((t) => ({
    name: t.name,
    resultsByPartition: (t.partitions as number[]).map((partitionIndex) => ({
      partitionIndex,
      partitionErrorCode: codeOf(t.name),
    })),
  }));
}

export const addPartitionsToTxnRewrite: ApiRewrite = {
  api: AddPartitionsToTxnClient,
  request(ctx, req) {
    const topics = req.v3AndBelowTopics as Msg[];
    const answer = (codeOf: (topic: string) => number) => ({
      answer: {
        errorCode: ErrorCode.NONE,
        resultsByTransaction: [],
        resultsByTopicV3AndBelow: partitionResults(topics, codeOf),
      },
    });
    if (!ctx.access.canTransactionalId('WRITE', req.v3AndBelowTransactionalId)) return answer(() => TXN_DENIED);
    // As Kafka and the broker: when any topic is refused, nothing is added and the others are not attempted.
    if (topics.some((t) => !ctx.access.canTopic('WRITE', t.name))) {
      return answer((name) =>
        ctx.access.canTopic('WRITE', name) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      );
    }
    return {
      send: {
        ...req,
        v3AndBelowTransactionalId: ctx.access.toInternal(req.v3AndBelowTransactionalId),
        v3AndBelowTopics: topics.map((t) => ({ ...t, name: ctx.access.toInternal(t.name) })),
      },
    };
  },
  response(ctx, res) {
    res.resultsByTopicV3AndBelow = keepOwn(ctx, res.resultsByTopicV3AndBelow, 'name');
  },
};

export const addOffsetsToTxnRewrite: ApiRewrite = {
  api: AddOffsetsToTxn,
  request(ctx, req) {
    if (!ctx.access.canTransactionalId('WRITE', req.transactionalId)) return { answer: { errorCode: TXN_DENIED } };
    if (!ctx.access.canGroup('READ', req.groupId))
      return { answer: { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED } };
    return {
      send: {
        ...req,
        transactionalId: ctx.access.toInternal(req.transactionalId),
        groupId: ctx.access.toInternal(req.groupId),
      },
    };
  },
  response() {},
};

export const endTxnRewrite: ApiRewrite = {
  api: EndTxnV1,
  request(ctx, req) {
    if (!ctx.access.canTransactionalId('WRITE', req.transactionalId))
      return { answer: { errorCode: TXN_DENIED, producerId: -1n, producerEpoch: -1 } };
    return { send: { ...req, transactionalId: ctx.access.toInternal(req.transactionalId) } };
  },
  response() {},
};

export const txnOffsetCommitRewrite: ApiRewrite = {
  api: TxnOffsetCommit,
  request(ctx, req) {
    const topics = req.topics as Msg[];
    const allWith = (code: number) => ({ answer: { topics: partitionErrors(topics, code) } });
    if (!ctx.access.canTransactionalId('WRITE', req.transactionalId)) return allWith(TXN_DENIED);
    if (!ctx.access.canGroup('READ', req.groupId)) return allWith(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    // As the broker: a refused topic is answered TOPIC_AUTHORIZATION_FAILED, the others are committed.
    const { kept, refused } = partition(topics, (t) => ctx.access.canTopic('READ', t.name));
    const merge = (res: Msg) => {
      res.topics.push(...partitionErrors(refused, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
    };
    if (kept.length === 0) return { answer: withMerged({ topics: [] }, merge) };
    return {
      send: {
        ...req,
        transactionalId: ctx.access.toInternal(req.transactionalId),
        groupId: ctx.access.toInternal(req.groupId),
        topics: kept.map((t) => ({ ...t, name: ctx.access.toInternal(t.name) })),
      },
      merge,
    };
  },
  response(ctx, res) {
    res.topics = keepOwn(ctx, res.topics, 'name');
  },
};

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
