/**
 * Decoding wire-format payloads for display (src/wire.ts), with bytes written by the formats' own libraries (avsc,
 * protobufjs) the way Confluent's serializers lay them out: Protobuf message indexes choose top-level and nested
 * messages, a payload without indexes is read as the first message, imports resolve from references; Avro longs and
 * bytes print exactly; bytes that are not of the schema fail with the reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import Long from 'long';
import protobuf from 'protobufjs';
import { payloadDecoder, WireFormatError, wireSchemaId } from '../src/wire.ts';

const proto = `syntax = "proto3";
package shop;
import "money.proto";

message Order {
  string id = 1;
  Money total = 2;
  Line line = 3;
  message Line {
    string sku = 1;
    sint64 delta = 2;
  }
}

message Refund {
  string order_id = 1;
}
`;
const money = `syntax = "proto3";
package shop;
message Money {
  int64 units = 1;
  string currency = 2;
}
`;
const refs = [{ name: 'money.proto', schemaType: 'PROTOBUF' as const, schema: money }];

function types() {
  const root = new protobuf.Root();
  protobuf.parse(money, root, { keepCase: true });
  protobuf.parse(proto.replace('import "money.proto";', ''), root, { keepCase: true });
  return {
    order: root.lookupType('shop.Order'),
    line: root.lookupType('shop.Order.Line'),
    refund: root.lookupType('shop.Refund'),
  };
}

test('the wire header: magic byte 0, then a positive schema id', () => {
  assert.equal(wireSchemaId(Buffer.from([0, 0, 0, 1, 2, 9])), 258);
  assert.equal(wireSchemaId(Buffer.from([0, 0, 0, 0, 7])), 7);
  assert.equal(wireSchemaId(Buffer.from([1, 0, 0, 0, 7])), null, 'another magic byte');
  assert.equal(wireSchemaId(Buffer.from([0, 0, 0, 7])), null, 'too short');
  assert.equal(wireSchemaId(Buffer.from([0, 0, 0, 0, 0])), null, 'id 0');
  assert.equal(wireSchemaId(null), null);
});

test('Protobuf: message indexes pick the message; none means the first; imports come from the references', () => {
  const { order, line, refund } = types();
  const decoder = payloadDecoder('PROTOBUF', proto, refs);
  const big = Long.fromString('-9007199254740993');
  const orderBytes = order
    .encode(order.create({ id: 'o-1', total: { units: big, currency: 'EUR' }, line: { sku: 'a', delta: -2 } }))
    .finish();
  const expected = {
    id: 'o-1',
    total: { units: '-9007199254740993', currency: 'EUR' },
    line: { sku: 'a', delta: '-2' },
  };
  // [0] is written as a single 0 byte.
  const first = decoder.decode(Buffer.concat([Buffer.from([0]), orderBytes]));
  assert.equal(first.message, 'shop.Order');
  assert.deepEqual(JSON.parse(first.text), expected);
  // No indexes at all (@kafkajs/confluent-schema-registry): the first message.
  assert.deepEqual(JSON.parse(decoder.decode(orderBytes).text), expected);
  // [1]: count 1, index 1, as zigzag varints.
  const refundBytes = refund.encode(refund.create({ order_id: 'o-1' })).finish();
  const second = decoder.decode(Buffer.concat([Buffer.from([2, 2]), refundBytes]));
  assert.equal(second.message, 'shop.Refund');
  assert.deepEqual(JSON.parse(second.text), { order_id: 'o-1' });
  // [0, 0]: Order's first nested message; fields left at their defaults are shown.
  const nested = decoder.decode(Buffer.concat([Buffer.from([4, 0, 0]), line.encode({ sku: 'b' }).finish()]));
  assert.equal(nested.message, 'shop.Order.Line');
  assert.deepEqual(JSON.parse(nested.text), { sku: 'b', delta: '0' });
  assert.throws(
    () => decoder.decode(Buffer.from([0, 0x0a, 50, 1])),
    (err: Error) => err instanceof WireFormatError && /not Protobuf of this schema/.test(err.message),
  );
});

test('Avro: longs past 2^53 and bytes print exactly; bytes of another schema fail with the reason', () => {
  const schema = {
    type: 'record',
    name: 'Reading',
    fields: [
      { name: 'at', type: 'long' },
      { name: 'blob', type: 'bytes' },
      { name: 'tag', type: ['null', 'string'] },
    ],
  };
  const decoder = payloadDecoder('AVRO', JSON.stringify(schema), []);
  const body = Buffer.concat([
    // 2^53 + 1 as Avro writes a long: zigzag (2^54 + 2), then a varint (avsc writes no unsafe number itself).
    Buffer.from([0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]),
    avro.Type.forSchema('bytes').toBuffer(Buffer.from([0xde, 0xad, 0x22, 0x41])),
    avro.Type.forSchema(['null', 'string']).toBuffer('x'),
  ]);
  assert.equal(
    decoder.decode(body).text,
    '{\n  "at": 9007199254740993,\n  "blob": "\\u00de\\u00ad\\u0022A",\n  "tag": "x"\n}',
  );
  assert.throws(
    () => decoder.decode(Buffer.concat([body, Buffer.from([1])])),
    (err: Error) => err instanceof WireFormatError && /trailing data/.test(err.message),
  );
});

test('JSON Schema: the JSON text, numbers with their digits; other bytes fail with the reason', () => {
  const decoder = payloadDecoder('JSON', '{"type":"object"}', []);
  assert.equal(
    decoder.decode(Buffer.from('{"id":9007199254740993,"p":1.50}')).text,
    '{\n  "id": 9007199254740993,\n  "p": 1.50\n}',
  );
  assert.throws(() => decoder.decode(Buffer.from([0xff, 0x01])), /not JSON text/);
});
