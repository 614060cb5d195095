/** Random and mutated bytes fed to every decoder: each either decodes or throws ProtocolDecodeError, never else. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ALL_APIS,
  ByteReader,
  decodeBody,
  decodeRequestBody,
  encodeBody,
  isFlexible,
  parseRange,
  ProtocolDecodeError,
  readRequestHeader,
  splitRecordSet,
  encodeBatch,
} from '../src/index.ts';
import { randomStruct, seeded } from './random-values.ts';

function expectCleanFailure(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ProtocolDecodeError, `${what}: threw ${(err as Error)?.stack}`);
  }
}

test('mutated bodies of every API and version decode or fail with ProtocolDecodeError', () => {
  const rnd = seeded(42);
  for (const api of ALL_APIS) {
    const [lo, hi] = parseRange(api.versions);
    for (let version = lo; version <= hi; version++) {
      for (const which of ['request', 'response'] as const) {
        const good = encodeBody(api, which, version, randomStruct(api[which], version, isFlexible(api, version), rnd));
        for (let i = 0; i < 40; i++) {
          const bad = Buffer.from(good);
          const mutations = 1 + Math.floor(rnd() * 4);
          for (let m = 0; m < mutations && bad.length > 0; m++)
            bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
          const cut = rnd() < 0.3 ? bad.subarray(0, Math.floor(rnd() * bad.length)) : bad;
          expectCleanFailure(() => decodeBody(api, which, version, cut), `${api.name} ${which} v${version}`);
        }
      }
    }
  }
});

test('random frames through the request header path fail cleanly', () => {
  const rnd = seeded(7);
  for (let i = 0; i < 3000; i++) {
    const frame = Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
    const api = ALL_APIS[i % ALL_APIS.length]!;
    expectCleanFailure(() => {
      const r = new ByteReader(frame);
      const header = readRequestHeader(r);
      decodeRequestBody(api, header.apiVersion & 0x7, r);
    }, 'header');
  }
});

test('mutated record sets are rejected cleanly', () => {
  const rnd = seeded(9);
  const good = encodeBatch({ records: [{ key: 'k', value: 'v' }, { value: 'hello' }] });
  for (let i = 0; i < 2000; i++) {
    const bad = Buffer.from(good);
    bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
    expectCleanFailure(() => splitRecordSet(bad), 'record set');
  }
});
