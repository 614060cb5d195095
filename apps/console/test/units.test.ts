import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestUnit, formatHuman, formatIn, formatRaw, parseQuantity, UnitParseError } from '../src/lib/units.ts';

test('parses a number in a unit into the raw base value', () => {
  assert.equal(parseQuantity('1.5', 'bytes', 'GiB'), 1_610_612_736);
  assert.equal(parseQuantity('10', 'bytesPerSec', 'MB/s'), 10_000_000);
  assert.equal(parseQuantity('7', 'ms', 'days'), 604_800_000);
  assert.equal(parseQuantity(' 1,024 ', 'bytes', 'B'), 1024);
  assert.equal(parseQuantity('', 'bytes', 'MiB'), null);
  assert.equal(parseQuantity('0', 'ms', 'hours'), 0);
});

test('bad input gets a clear error', () => {
  assert.throws(() => parseQuantity('-1', 'bytes', 'MiB'), { name: 'UnitParseError', message: /not a non-negative/ });
  assert.throws(() => parseQuantity('12abc', 'bytes', 'MiB'), UnitParseError);
  assert.throws(() => parseQuantity('1', 'bytes', 'MB/s'), { message: /Unknown unit "MB\/s"/ });
  assert.throws(() => parseQuantity('99999999999', 'bytes', 'TiB'), { message: /too large/ });
});

test('picks the largest unit that shows a raw value exactly', () => {
  assert.equal(bestUnit(1_610_612_736, 'bytes').label, 'GiB');
  assert.equal(bestUnit(1000, 'bytes').label, 'B');
  assert.equal(bestUnit(5_000_000, 'bytesPerSec').label, 'MB/s');
  assert.equal(bestUnit(604_800_000, 'ms').label, 'days');
  assert.equal(bestUnit(90_000, 'ms').label, 'minutes');
  assert.equal(bestUnit(0, 'ms').label, 'ms');
});

test('formats human and raw figures that round-trip through the parser', () => {
  assert.equal(formatHuman(1_610_612_736, 'bytes'), '1.5 GiB');
  assert.equal(formatHuman(604_800_000, 'ms'), '7 days');
  assert.equal(formatRaw(1_610_612_736, 'bytes'), '1,610,612,736 B');
  assert.equal(formatRaw(5_000_000, 'bytesPerSec'), '5,000,000 B/s');
  for (const [raw, kind] of [
    [123_456_789, 'bytes'],
    [2_500_000, 'bytesPerSec'],
    [86_400_000 * 3, 'ms'],
  ] as const) {
    const unit = bestUnit(raw, kind);
    assert.equal(parseQuantity(formatIn(raw, unit), kind, unit.label), raw);
  }
});
