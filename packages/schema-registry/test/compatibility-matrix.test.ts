/**
 * The compatibility matrix: for each format, the usual schema changes (a field added with and without a default,
 * removed, renamed, its type widened or changed, …) under each level, with the answer Confluent's rules give.
 * Runs the registry's own checker on schemas parsed by the real libraries (avsc, protobufjs, Ajv).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CompatibilityLevel, compatibilityProblems, FORMATS, type SchemaType } from '../src/index.ts';

function parse(type: SchemaType, text: string) {
  return FORMATS[type].parse(text, []);
}

/** Whether `next` may follow `history` (oldest first) under `level`. */
function allowed(type: SchemaType, level: CompatibilityLevel, history: string[], next: string): boolean {
  const earlier = history.map((text, i) => ({ version: i + 1, parsed: parse(type, text) }));
  return compatibilityProblems(level, parse(type, next), earlier).length === 0;
}

interface Case {
  name: string;
  before: string[];
  after: string;
  /** Expected answer per level; levels left out are not asserted. */
  expect: Partial<Record<CompatibilityLevel, boolean>>;
}

function check(type: SchemaType, cases: Case[]): void {
  for (const c of cases) {
    for (const [level, want] of Object.entries(c.expect)) {
      assert.equal(
        allowed(type, level as CompatibilityLevel, c.before, c.after),
        want,
        `${type} ${c.name} under ${level} should be ${want ? 'allowed' : 'refused'}`,
      );
    }
    assert.equal(allowed(type, 'NONE', c.before, c.after), true, `${type} ${c.name}: NONE allows everything`);
  }
}

const rec = (fields: unknown[]) => JSON.stringify({ type: 'record', name: 'User', namespace: 'acme', fields });
const id = { name: 'id', type: 'string' };

test('Avro: the Avro specification resolution rules, per level', () => {
  check('AVRO', [
    {
      name: 'field added with a default',
      before: [rec([id])],
      after: rec([id, { name: 'age', type: 'int', default: 0 }]),
      expect: { BACKWARD: true, FORWARD: true, FULL: true },
    },
    {
      name: 'field added without a default',
      before: [rec([id])],
      after: rec([id, { name: 'age', type: 'int' }]),
      expect: { BACKWARD: false, FORWARD: true, FULL: false },
    },
    {
      name: 'field with a default removed',
      before: [rec([id, { name: 'age', type: 'int', default: 0 }])],
      after: rec([id]),
      expect: { BACKWARD: true, FORWARD: true, FULL: true },
    },
    {
      name: 'field without a default removed',
      before: [rec([id, { name: 'age', type: 'int' }])],
      after: rec([id]),
      expect: { BACKWARD: true, FORWARD: false, FULL: false },
    },
    {
      name: 'field renamed',
      before: [rec([id, { name: 'age', type: 'int' }])],
      after: rec([id, { name: 'years', type: 'int' }]),
      expect: { BACKWARD: false, FORWARD: false },
    },
    {
      name: 'field renamed with an alias',
      before: [rec([id, { name: 'age', type: 'int' }])],
      after: rec([id, { name: 'years', type: 'int', aliases: ['age'] }]),
      expect: { BACKWARD: true },
    },
    {
      name: 'int widened to long',
      before: [rec([id, { name: 'n', type: 'int' }])],
      after: rec([id, { name: 'n', type: 'long' }]),
      expect: { BACKWARD: true, FORWARD: false, FULL: false },
    },
    {
      name: 'int changed to string',
      before: [rec([id, { name: 'n', type: 'int' }])],
      after: rec([id, { name: 'n', type: 'string' }]),
      expect: { BACKWARD: false, FORWARD: false },
    },
    {
      name: 'enum symbol added',
      before: [JSON.stringify({ type: 'enum', name: 'Color', symbols: ['RED'] })],
      after: JSON.stringify({ type: 'enum', name: 'Color', symbols: ['RED', 'BLUE'] }),
      expect: { BACKWARD: true, FORWARD: false },
    },
    {
      name: 'record renamed',
      before: [rec([id])],
      after: JSON.stringify({ type: 'record', name: 'Person', namespace: 'acme', fields: [id] }),
      expect: { BACKWARD: false },
    },
    {
      // v3 reads v2 (n absent: the default) but not v1 (n was an int): only the transitive level sees it.
      name: 'compatible with the latest only',
      before: [rec([id, { name: 'n', type: 'int' }]), rec([id])],
      after: rec([id, { name: 'n', type: 'string', default: 'x' }]),
      expect: { BACKWARD: true, BACKWARD_TRANSITIVE: false, FULL: true, FULL_TRANSITIVE: false },
    },
  ]);
});

const proto = (body: string, pkg = 'acme') => `syntax = "proto3";\npackage ${pkg};\n${body}\n`;

test("Protobuf: Confluent's field number and wire type rules, per level", () => {
  const base = proto('message User {\n  string id = 1;\n  int32 age = 2;\n}');
  check('PROTOBUF', [
    {
      name: 'field added',
      before: [base],
      after: proto('message User {\n  string id = 1;\n  int32 age = 2;\n  string email = 3;\n}'),
      expect: { BACKWARD: true, FORWARD: true, FULL_TRANSITIVE: true },
    },
    {
      name: 'field removed',
      before: [base],
      after: proto('message User {\n  string id = 1;\n}'),
      expect: { BACKWARD: true, FORWARD: true, FULL: true },
    },
    {
      name: 'field renamed (same number)',
      before: [base],
      after: proto('message User {\n  string id = 1;\n  int32 years = 2;\n}'),
      expect: { BACKWARD: true, FORWARD: true, FULL: true },
    },
    {
      name: 'int32 widened to int64 (same wire type)',
      before: [base],
      after: proto('message User {\n  string id = 1;\n  int64 age = 2;\n}'),
      expect: { BACKWARD: true, FORWARD: true, FULL: true },
    },
    {
      name: 'int32 changed to string',
      before: [base],
      after: proto('message User {\n  string id = 1;\n  string age = 2;\n}'),
      expect: { BACKWARD: false, FORWARD: false },
    },
    {
      name: 'string changed to bytes',
      before: [base],
      after: proto('message User {\n  bytes id = 1;\n  int32 age = 2;\n}'),
      expect: { BACKWARD: true, FORWARD: true },
    },
    {
      name: 'int32 changed to sint32 (zigzag)',
      before: [base],
      after: proto('message User {\n  string id = 1;\n  sint32 age = 2;\n}'),
      expect: { BACKWARD: false },
    },
    {
      name: 'message removed',
      before: [proto('message User {\n  string id = 1;\n}\nmessage Extra {\n  string x = 1;\n}')],
      after: proto('message User {\n  string id = 1;\n}'),
      expect: { BACKWARD: false, FORWARD: true },
    },
    {
      name: 'package changed',
      before: [base],
      after: proto('message User {\n  string id = 1;\n  int32 age = 2;\n}', 'other'),
      expect: { BACKWARD: false, FORWARD: false },
    },
    {
      name: 'field moved into an existing oneof',
      before: [
        proto(
          'message User {\n  string id = 1;\n  oneof contact {\n    string email = 3;\n  }\n  string phone = 4;\n}',
        ),
      ],
      after: proto(
        'message User {\n  string id = 1;\n  oneof contact {\n    string email = 3;\n    string phone = 4;\n  }\n}',
      ),
      expect: { BACKWARD: false },
    },
    {
      name: 'a field of another message type',
      before: [
        proto('message User {\n  A a = 1;\n}\nmessage A {\n  string x = 1;\n}\nmessage B {\n  string x = 1;\n}'),
      ],
      after: proto('message User {\n  B a = 1;\n}\nmessage A {\n  string x = 1;\n}\nmessage B {\n  string x = 1;\n}'),
      expect: { BACKWARD: false },
    },
  ]);
});

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'object', properties, ...extra });
const closed = { additionalProperties: false };

test('JSON Schema: the rules Confluent documents (open and closed content models), per level', () => {
  check('JSON', [
    {
      name: 'optional property added to a closed model',
      before: [obj({ id: { type: 'string' } }, closed)],
      after: obj({ id: { type: 'string' }, age: { type: 'integer' } }, closed),
      expect: { BACKWARD: true, FORWARD: false, FULL: false },
    },
    {
      name: 'optional property added to an open model',
      before: [obj({ id: { type: 'string' } })],
      after: obj({ id: { type: 'string' }, age: { type: 'integer' } }),
      expect: { BACKWARD: false, FORWARD: true },
    },
    {
      name: 'required property added',
      before: [obj({ id: { type: 'string' } }, closed)],
      after: obj({ id: { type: 'string' }, age: { type: 'integer' } }, { ...closed, required: ['age'] }),
      expect: { BACKWARD: false },
    },
    {
      name: 'property removed from a closed model',
      before: [obj({ id: { type: 'string' }, age: { type: 'integer' } }, closed)],
      after: obj({ id: { type: 'string' } }, closed),
      expect: { BACKWARD: false, FORWARD: true },
    },
    {
      name: 'property removed from an open model',
      before: [obj({ id: { type: 'string' }, age: { type: 'integer' } })],
      after: obj({ id: { type: 'string' } }),
      expect: { BACKWARD: true, FORWARD: false },
    },
    {
      name: 'integer widened to number',
      before: [obj({ n: { type: 'integer' } }, closed)],
      after: obj({ n: { type: 'number' } }, closed),
      expect: { BACKWARD: true, FORWARD: false, FULL: false },
    },
    {
      name: 'string changed to integer',
      before: [obj({ n: { type: 'string' } }, closed)],
      after: obj({ n: { type: 'integer' } }, closed),
      expect: { BACKWARD: false, FORWARD: false },
    },
    {
      name: 'enum value added',
      before: [obj({ c: { enum: ['RED'] } }, closed)],
      after: obj({ c: { enum: ['RED', 'BLUE'] } }, closed),
      expect: { BACKWARD: true, FORWARD: false },
    },
    {
      name: 'maxLength tightened',
      before: [obj({ s: { type: 'string', maxLength: 10 } }, closed)],
      after: obj({ s: { type: 'string', maxLength: 5 } }, closed),
      expect: { BACKWARD: false, FORWARD: true },
    },
    {
      name: 'content model closed',
      before: [obj({ id: { type: 'string' } })],
      after: obj({ id: { type: 'string' } }, closed),
      expect: { BACKWARD: false, FORWARD: true },
    },
    {
      name: 'a $ref definition narrowed',
      before: [
        JSON.stringify({
          definitions: { n: { type: 'number' } },
          type: 'object',
          properties: { a: { $ref: '#/definitions/n' } },
          ...closed,
        }),
      ],
      after: JSON.stringify({
        definitions: { n: { type: 'integer' } },
        type: 'object',
        properties: { a: { $ref: '#/definitions/n' } },
        ...closed,
      }),
      expect: { BACKWARD: false, FORWARD: true },
    },
  ]);
});

test('a change of schema type is never compatible', () => {
  const earlier = [{ version: 1, parsed: parse('AVRO', '"string"') }];
  const problems = compatibilityProblems('BACKWARD', parse('JSON', '{"type":"string"}'), earlier);
  assert.match(problems[0] ?? '', /schema type changed from AVRO to JSON/);
});

test("JSON Schema: a $ref into a referenced schema is followed, and its own '#/…' refs stay inside it", () => {
  const address = (cityType: string) =>
    JSON.stringify({
      definitions: { city: { type: cityType } },
      type: 'object',
      properties: { city: { $ref: '#/definitions/city' } },
    });
  const person = JSON.stringify({
    type: 'object',
    properties: { home: { $ref: 'address.json' } },
    additionalProperties: false,
  });
  const withAddress = (cityType: string) =>
    FORMATS.JSON.parse(person, [{ name: 'address.json', schemaType: 'JSON', schema: address(cityType) }]);
  const earlier = [{ version: 1, parsed: withAddress('integer') }];
  assert.deepEqual(compatibilityProblems('BACKWARD', withAddress('number'), earlier), [], 'integer widened to number');
  const narrowed = compatibilityProblems('BACKWARD', withAddress('string'), earlier);
  assert.equal(narrowed.length, 1, narrowed.join('; '));
  assert.match(narrowed[0] ?? '', /properties\/home\/properties\/city: type integer narrowed to string/);
});
