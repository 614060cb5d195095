/**
 * Byte fixtures assembled by hand from Kafka's message schemas, checked both ways: the bytes decode to the expected
 * value and the value encodes to the same bytes. Plus whole frames through the request and response headers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ApiVersions,
  batchCrcIsValid,
  ByteReader,
  ConsumerGroupHeartbeat,
  crc32c,
  decodeBody,
  decodeRequestBody,
  decodeResponse,
  encodeBody,
  encodeRequest,
  encodeResponse,
  Heartbeat,
  isFlexible,
  Metadata,
  Produce,
  readRequestHeader,
} from '../src/index.ts';

import { adminFixtures } from './fixtures/admin.ts';
import { coreFixtures } from './fixtures/core.ts';
import { groupFixtures } from './fixtures/groups.ts';
import { moreFixtures } from './fixtures/more.ts';

import { BATCH, type BodyFixture, hex } from './fixtures/hex.ts';
import { securityFixtures } from './fixtures/security.ts';

const fixtures: BodyFixture[] = [
  ...coreFixtures,
  ...adminFixtures,
  ...groupFixtures,
  ...securityFixtures,
  ...moreFixtures,
];

for (const fx of fixtures) {
  const flex = isFlexible(fx.api, fx.version) ? 'flexible' : 'non-flexible';
  const name = `${fx.api.name} ${fx.which} v${fx.version} (${flex})${fx.note ? `: ${fx.note}` : ''}`;
  test(`${name} decodes from its bytes and encodes back to them`, () => {
    assert.deepEqual(decodeBody(fx.api, fx.which, fx.version, fx.bytes), fx.value);
    assert.equal(encodeBody(fx.api, fx.which, fx.version, fx.value).toString('hex'), fx.bytes.toString('hex'));
  });
}

test('every required API has a non-flexible and a flexible fixture', () => {
  const required = [
    'Produce',
    'Fetch',
    'ListOffsets',
    'CreateTopics',
    'DeleteTopics',
    'DescribeConfigs',
    'JoinGroup',
    'SyncGroup',
    'OffsetCommit',
    'OffsetFetch',
    'FindCoordinator',
    'Heartbeat',
    'InitProducerId',
    'SaslAuthenticate',
    'ApiVersions',
    'Metadata',
  ];
  for (const name of required) {
    const mine = fixtures.filter((fx) => fx.api.name === name);
    assert.ok(
      mine.some((fx) => !isFlexible(fx.api, fx.version)),
      `${name} lacks a non-flexible fixture`,
    );
    assert.ok(
      mine.some((fx) => isFlexible(fx.api, fx.version)),
      `${name} lacks a flexible fixture`,
    );
  }
  // SaslHandshake has no flexible version at all.
  assert.ok(fixtures.some((fx) => fx.api.name === 'SaslHandshake'));
});

test('the record batch in the fixtures is a valid RecordBatch v2 (CRC-32C check value included)', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.ok(batchCrcIsValid(BATCH));
});

test('a non-flexible request is framed with header v1', () => {
  const frame = encodeRequest(Metadata, 1, 7, 'cli', { topics: [{ name: 'foo' }] });
  const expected = hex(
    '00000016', // size 22
    '0003', // apiKey 3 Metadata
    '0001', // apiVersion 1
    '00000007', // correlationId 7
    '0003 636c69', // clientId "cli" (int16 length)
    '00000001 0003 666f6f', // body: topics ["foo"]
  );
  assert.equal(frame.toString('hex'), expected.toString('hex'));
  const r = new ByteReader(frame.subarray(4));
  assert.deepEqual(readRequestHeader(r), { apiKey: 3, apiVersion: 1, correlationId: 7, clientId: 'cli' });
  assert.deepEqual(decodeRequestBody(Metadata, 1, r).topics, [
    { topicId: '00000000-0000-0000-0000-000000000000', name: 'foo' },
  ]);
});

test('a flexible request is framed with header v2, whose client id keeps its int16 length', () => {
  const frame = encodeRequest(ApiVersions, 3, 1, 'cli', { clientSoftwareName: 'samsa', clientSoftwareVersion: '1.0' });
  const expected = hex(
    '00000019', // size 25
    '0012', // apiKey 18 ApiVersions
    '0003', // apiVersion 3
    '00000001', // correlationId 1
    '0003 636c69', // clientId "cli": still an int16 length, not a compact string
    '00', // header tagged fields: none
    '06 73616d7361 04 312e30 00', // body
  );
  assert.equal(frame.toString('hex'), expected.toString('hex'));
  const r = new ByteReader(frame.subarray(4));
  assert.deepEqual(readRequestHeader(r), { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'cli' });
  assert.deepEqual(decodeRequestBody(ApiVersions, 3, r), { clientSoftwareName: 'samsa', clientSoftwareVersion: '1.0' });
});

test('a null client id is written as int16 -1 in both header versions', () => {
  const v1 = encodeRequest(Produce, 3, 2, null, { acks: 1, timeoutMs: 0, topicData: [] });
  assert.equal(v1.subarray(4, 14).toString('hex'), '0000000300000002ffff');
  const v2 = encodeRequest(Produce, 9, 2, null, { acks: 1, timeoutMs: 0, topicData: [] });
  assert.equal(v2.subarray(4, 15).toString('hex'), '0000000900000002ffff00');
  const r = new ByteReader(v2.subarray(4));
  assert.equal(readRequestHeader(r).clientId, null);
  assert.equal(decodeRequestBody(Produce, 9, r).acks, 1);
});

test('request header v2 tagged fields are skipped before the body', () => {
  const frame = hex(
    '000c 0004 00000005 0003 636c69', // Heartbeat v4, correlationId 5, clientId "cli"
    '01 00 02 abcd', // header: one unknown tagged field
    '03 6731 00000001 03 6d31 00 00', // body: groupId "g1", generationId 1, memberId "m1", groupInstanceId null
  );
  const r = new ByteReader(frame);
  readRequestHeader(r);
  assert.deepEqual(decodeRequestBody(Heartbeat, 4, r), {
    groupId: 'g1',
    generationId: 1,
    memberId: 'm1',
    groupInstanceId: null,
  });
});

test('ApiVersions answers with response header v0 even in its flexible versions', () => {
  const body = {
    errorCode: 0,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 0,
  };
  const frame = Buffer.concat(encodeResponse(ApiVersions, 3, 1, body));
  const expected = hex(
    '00000013', // size 19
    '00000001', // correlationId 1; header v0: no tagged fields
    '0000 02 0012 0000 0004 00 00000000 00', // body
  );
  assert.equal(frame.toString('hex'), expected.toString('hex'));
  assert.deepEqual(decodeResponse(ApiVersions, 3, frame.subarray(4)), {
    correlationId: 1,
    body: {
      ...body,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    },
  });
});

test('other flexible responses use header v1, non-flexible ones header v0', () => {
  const flexible = Buffer.concat(encodeResponse(Heartbeat, 4, 9, { throttleTimeMs: 0, errorCode: 27 }));
  assert.equal(
    flexible.toString('hex'),
    hex(
      '0000000c', // size 12
      '00000009', // correlationId 9
      '00', // header v1: no tagged fields
      '00000000 001b 00', // throttleTimeMs 0, errorCode 27 REBALANCE_IN_PROGRESS, no tagged fields
    ).toString('hex'),
  );
  assert.deepEqual(decodeResponse(Heartbeat, 4, flexible.subarray(4)), {
    correlationId: 9,
    body: { throttleTimeMs: 0, errorCode: 27 },
  });
  const plain = Buffer.concat(encodeResponse(Heartbeat, 3, 9, { throttleTimeMs: 0, errorCode: 27 }));
  assert.equal(plain.toString('hex'), hex('0000000a', '00000009', '00000000 001b').toString('hex'));
});

test('fields left out of a body are written as their defaults: null where Kafka gives "null"', () => {
  // KIP-848: a heartbeat that omits its subscription must send null ("unchanged"), never an empty list.
  const bytes = encodeBody(ConsumerGroupHeartbeat, 'request', 0, { groupId: 'g1', memberId: 'm1', memberEpoch: 5 });
  assert.equal(bytes.toString('hex'), hex('03 6731 03 6d31 00000005 00 00 ffffffff 00 00 00 00').toString('hex'));
});
