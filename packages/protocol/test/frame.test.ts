/** FrameAssembler: a stream of frames arrives intact however TCP splits it, and bad sizes fail before allocation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameAssembler, FrameTooLargeError, ProtocolDecodeError } from '../src/index.ts';

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

const payloads = [
  Buffer.from('first frame'),
  Buffer.alloc(0), // a zero-length frame is legal framing
  Buffer.from([1, 2, 3]),
  Buffer.from('x'.repeat(300)),
  Buffer.from('last'),
];
const stream = Buffer.concat(payloads.map(frame));

function collect(assembler: FrameAssembler, chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const chunk of chunks) out.push(...assembler.push(chunk));
  return out.map((b) => Buffer.from(b));
}

test('frames split at every single byte boundary are reassembled', () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const frames = collect(new FrameAssembler(1024), [stream.subarray(0, cut), stream.subarray(cut)]);
    assert.deepEqual(frames, payloads, `cut at ${cut}`);
  }
});

test('frames split at every pair of byte boundaries are reassembled', () => {
  for (let a = 0; a <= stream.length; a++) {
    for (let b = a; b <= stream.length; b += 7) {
      const assembler = new FrameAssembler(1024);
      const frames = collect(assembler, [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
      assert.deepEqual(frames, payloads, `cuts at ${a} and ${b}`);
      assert.equal(assembler.bufferedBytes, 0);
    }
  }
});

test('a stream fed one byte at a time is reassembled', () => {
  const assembler = new FrameAssembler(1024);
  const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
  assert.deepEqual(collect(assembler, chunks), payloads);
  assert.equal(assembler.bufferedBytes, 0);
});

test('a partial frame stays buffered until it completes', () => {
  const assembler = new FrameAssembler(1024);
  const one = frame(Buffer.from('abc'));
  assert.deepEqual(assembler.push(one.subarray(0, 5)), []);
  assert.equal(assembler.bufferedBytes, 5);
  assert.deepEqual(
    assembler.push(one.subarray(5)).map((b) => b.toString()),
    ['abc'],
  );
  assert.equal(assembler.bufferedBytes, 0);
});

test('sizes above the bound or negative are rejected, even when the size itself is split', () => {
  const tooBig = Buffer.alloc(4);
  tooBig.writeInt32BE(1025, 0);
  assert.throws(() => new FrameAssembler(1024).push(tooBig), FrameTooLargeError);
  const split = new FrameAssembler(1024);
  split.push(tooBig.subarray(0, 2));
  assert.throws(() => split.push(tooBig.subarray(2)), FrameTooLargeError);
  const negative = Buffer.from([0xff, 0xff, 0xff, 0xfe]);
  assert.throws(() => new FrameAssembler(1024).push(negative), ProtocolDecodeError);
  const negSplit = new FrameAssembler(1024);
  negSplit.push(negative.subarray(0, 1));
  negSplit.push(negative.subarray(1, 3));
  assert.throws(() => negSplit.push(negative.subarray(3)), ProtocolDecodeError);
});

test('a frame of exactly the bound is accepted', () => {
  const payload = Buffer.alloc(1024, 7);
  assert.deepEqual(collect(new FrameAssembler(1024), [frame(payload)]), [payload]);
});

test('a large frame whose first chunk is shorter than its size prefix is assembled in linear time', () => {
  const sizeBytes = 8 * 1024 * 1024;
  const assembler = new FrameAssembler(sizeBytes);
  const head = Buffer.alloc(4);
  head.writeInt32BE(sizeBytes, 0);
  const started = performance.now();
  assembler.push(head.subarray(0, 1));
  assembler.push(head.subarray(1));
  const chunk = Buffer.alloc(16 * 1024);
  let frames = 0;
  for (let i = 0; i < sizeBytes / chunk.length; i++) frames += assembler.push(chunk).length;
  assert.equal(frames, 1);
  // Linear assembly takes a few milliseconds; the quadratic version took most of a second at this size.
  assert.ok(performance.now() - started < 400, `took ${performance.now() - started} ms`);
});

test('partialFrameBytes is the size the incomplete frame will have, and the bound can change between pushes', () => {
  const assembler = new FrameAssembler(64);
  assert.equal(assembler.partialFrameBytes, 0);
  assembler.push(Buffer.from([0, 0]));
  assert.equal(assembler.partialFrameBytes, 2);
  assembler.push(Buffer.from([0, 40, 1, 2]));
  assert.equal(assembler.partialFrameBytes, 44);
  assert.equal(assembler.push(Buffer.alloc(38)).length, 1);
  assert.equal(assembler.partialFrameBytes, 0);
  const big = Buffer.alloc(4);
  big.writeInt32BE(100);
  assert.throws(() => assembler.push(big), FrameTooLargeError);
  const raised = new FrameAssembler(64);
  raised.maxFrameBytes = 128;
  assert.equal(raised.push(Buffer.concat([big, Buffer.alloc(100)])).length, 1);
});
