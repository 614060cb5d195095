/**
 * Authorization: a principal without ACLs (a Kafka user / a Samsa tenant member) refused by every API it tries, and
 * ACLs described, created and deleted by an admin (Kafka's superuser / a Samsa tenant admin), then honoured.
 */
import {
  CreateAcls,
  CreateTopics,
  DeleteAcls,
  DescribeAcls,
  DescribeConfigs,
  encodeBatch,
  JoinGroup,
  ListOffsets,
  Metadata,
  OffsetFetch,
  Produce,
  SaslAuthenticate,
  SaslHandshake,
} from '@samsa/protocol';
import type { RawClient } from '@samsa/test-support/raw-client';
import { createTopics, errName, fetchRecords, rawClient, type Scenario, type SecureTarget, withRaw } from './target.ts';

const TOPIC = 2;
const GROUP = 3;
const ANY = 1;
const LITERAL = 3;
const PREFIXED = 4;
const MATCH = 2;
const OP_ALL = 2;
const OP_READ = 3;
const OP_WRITE = 4;
const ALLOW = 3;
const DENY = 2;

async function produce(c: RawClient, topic: string) {
  const r = await c.request(Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: encodeBatch({ records: [{ value: 'v' }] }) }] }],
  });
  return errName(
    (r.responses as { partitionResponses: { errorCode: number }[] }[])[0]!.partitionResponses[0]!.errorCode,
  );
}

type Acl = {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
};

async function describeAcls(c: RawClient, filter: Partial<Record<string, unknown>> = {}) {
  const r = await c.request(DescribeAcls, 3, {
    resourceTypeFilter: ANY,
    resourceNameFilter: null,
    patternTypeFilter: ANY,
    principalFilter: null,
    hostFilter: null,
    operation: ANY,
    permissionType: ANY,
    ...filter,
  });
  const acls = (r.resources as (Omit<Acl, 'principal' | 'host' | 'operation' | 'permissionType'> & { acls: Acl[] })[])
    .flatMap((res) =>
      res.acls.map((a) =>
        [res.resourceType, res.resourceName, res.patternType, a.principal, a.host, a.operation, a.permissionType].join(
          ' ',
        ),
      ),
    )
    .sort();
  return { errorCode: errName(r.errorCode), acls };
}

/** What a principal without any ACL gets from each API. */
export const unauthorizedMember: Scenario<SecureTarget> = async (t) => {
  await createTopics(t, [{ topic: 'diff-secure' }]);
  return withRaw(
    t,
    async (c) => {
      const md = await c.request(Metadata, 12, {
        topics: [{ name: 'diff-secure' }, { name: 'diff-secure-unknown' }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      const all = await c.request(Metadata, 12, {
        topics: null,
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      const lo = await c.request(ListOffsets, 8, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: 'diff-secure', partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
      });
      const created = await c.request(CreateTopics, 7, {
        topics: [{ name: 'diff-member-topic', numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }],
        timeoutMs: 10_000,
        validateOnly: false,
      });
      const dc = await c.request(DescribeConfigs, 4, {
        resources: [{ resourceType: TOPIC, resourceName: 'diff-secure', configurationKeys: ['retention.ms'] }],
        includeSynonyms: false,
        includeDocumentation: false,
      });
      const of = await c.request(OffsetFetch, 8, {
        groups: [{ groupId: 'diff-secure-group', topics: null }],
        requireStable: false,
      });
      const jg = await c.request(JoinGroup, 6, {
        groupId: 'diff-secure-group',
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        memberId: '',
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      });
      return {
        metadata: (md.topics as { name: string; errorCode: number }[]).map((x) => `${x.name} ${errName(x.errorCode)}`),
        metadataAllTopics: (all.topics as { name: string }[]).map((x) => x.name),
        produce: await produce(c, 'diff-secure'),
        fetch: (await fetchRecords(c, 'diff-secure', 0)).errorCode,
        listOffsets: errName((lo.topics as { partitions: { errorCode: number }[] }[])[0]!.partitions[0]!.errorCode),
        createTopic: errName((created.topics as { errorCode: number }[])[0]!.errorCode),
        describeConfigs: errName((dc.results as { errorCode: number }[])[0]!.errorCode),
        offsetFetch: errName((of.groups as { errorCode: number }[])[0]!.errorCode),
        joinGroup: errName(jg.errorCode),
        describeAcls: (await describeAcls(c)).errorCode,
      };
    },
    t.member,
  );
};

/** An admin describes the ACLs that exist, adds some, sees them honoured for the member, and removes one. */
export const aclLifecycle: Scenario<SecureTarget> = async (t) => {
  await createTopics(t, [{ topic: 'diff-acl-orders' }]);
  const member = await withRaw(t, async (c) => (await describeAcls(c, {})).errorCode, t.member);
  return withRaw(t, async (c) => {
    const before = await describeAcls(c);
    const alice = 'User:alice';
    const acl = (
      resourceType: number,
      resourceName: string,
      resourcePatternType: number,
      operation: number,
      permissionType: number,
      principal = alice,
    ) => ({
      resourceType,
      resourceName,
      resourcePatternType,
      principal,
      host: '*',
      operation,
      permissionType,
    });
    const created = await c.request(CreateAcls, 3, {
      creations: [
        acl(TOPIC, 'diff-acl-', PREFIXED, OP_READ, ALLOW),
        acl(TOPIC, 'diff-acl-orders', LITERAL, OP_WRITE, DENY),
        acl(TOPIC, 'diff-acl-orders', LITERAL, OP_ALL, ALLOW),
        acl(GROUP, 'diff-acl-group', LITERAL, OP_READ, ALLOW),
      ],
    });
    const invalid = await c.request(CreateAcls, 3, {
      creations: [
        acl(TOPIC, 'x', LITERAL, OP_READ, ALLOW, 'alice'),
        acl(ANY, 'x', LITERAL, OP_READ, ALLOW),
        acl(TOPIC, 'x', MATCH, OP_READ, ALLOW),
      ],
    });
    // Kafka applies ACL changes through its metadata log: a describe right after the change may not show it yet.
    const settled = async (check: (acls: string[]) => boolean) => {
      let d = await describeAcls(c);
      for (let i = 0; i < 50 && !check(d.acls); i++) {
        await new Promise((r) => setTimeout(r, 100));
        d = await describeAcls(c);
      }
      return d;
    };
    const afterCreate = await settled((acls) => acls.length >= before.acls.length + 4);
    const filtered = await describeAcls(c, {
      resourceTypeFilter: TOPIC,
      principalFilter: alice,
      patternTypeFilter: MATCH,
      resourceNameFilter: 'diff-acl-orders',
    });
    // The ACL cache may take a moment to follow on either broker: the member's view is read until it settles.
    const memberView = async () =>
      withRaw(
        t,
        async (m) => ({
          produceDenied: await produce(m, 'diff-acl-orders'),
          fetchAllowed: (await fetchRecords(m, 'diff-acl-orders', 0)).errorCode,
        }),
        t.member,
      );
    let honoured = await memberView();
    for (let i = 0; i < 40 && honoured.fetchAllowed !== 'NONE'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      honoured = await memberView();
    }
    const deleted = await c.request(DeleteAcls, 3, {
      filters: [
        {
          resourceTypeFilter: TOPIC,
          resourceNameFilter: 'diff-acl-orders',
          patternTypeFilter: LITERAL,
          principalFilter: alice,
          hostFilter: null,
          operation: ANY,
          permissionType: DENY,
        },
      ],
    });
    const afterDelete = await settled((acls) => acls.length < afterCreate.acls.length);
    // Without the DENY, the remaining ALLOW ALL lets the member write.
    let afterDenyRemoved = await memberView();
    for (let i = 0; i < 40 && afterDenyRemoved.produceDenied !== 'NONE'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      afterDenyRemoved = await memberView();
    }
    return {
      memberDescribeAcls: member,
      before,
      created: (created.results as { errorCode: number }[]).map((r) => errName(r.errorCode)),
      invalid: (invalid.results as { errorCode: number }[]).map((r) => errName(r.errorCode)),
      afterCreate,
      filtered,
      honoured,
      deleted: (deleted.filterResults as { errorCode: number; matchingAcls: Record<string, unknown>[] }[]).map((f) => ({
        errorCode: errName(f.errorCode),
        matching: f.matchingAcls.map(
          (a) =>
            `${a.resourceType} ${a.resourceName} ${a.patternType} ${a.principal} ${a.operation} ${a.permissionType} ${errName(a.errorCode)}`,
        ),
      })),
      afterDelete,
      produceAfterDenyRemoved: afterDenyRemoved.produceDenied,
    };
  });
};

/** SASL as a client meets it: an unsupported mechanism, a wrong password, a request before authenticating. */
export const authentication: Scenario<SecureTarget> = async (t) => {
  const unauthenticated = () => rawClient(t, null);
  const a = await unauthenticated();
  const unsupported = await a.request(SaslHandshake, 1, { mechanism: 'GSSAPI' });
  a.close();
  const b = await unauthenticated();
  const hs = await b.request(SaslHandshake, 1, { mechanism: 'PLAIN' });
  const wrong = await b.request(SaslAuthenticate, 2, {
    authBytes: Buffer.from(`\0${t.member.username}\0not-the-password`),
  });
  const closedAfterWrongPassword = await b.waitClosed(10_000);
  b.close();
  const c = await unauthenticated();
  const early = await Promise.race([
    c
      .request(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })
      .then(
        () => 'answered',
        () => 'connection closed',
      ),
    new Promise<string>((r) => setTimeout(() => r('no answer in 10 s'), 10_000)),
  ]);
  c.close();
  return {
    unsupportedMechanism: {
      errorCode: errName(unsupported.errorCode),
      enabled: [...(unsupported.mechanisms as string[])].sort(),
    },
    plainHandshake: errName(hs.errorCode),
    wrongPassword: errName(wrong.errorCode),
    closedAfterWrongPassword,
    metadataBeforeAuthentication: early,
  };
};
