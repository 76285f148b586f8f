import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameter } from '../engine/errors.js';
import { parseEventTime, parseGoDuration } from './timestamps.js';

test('unix seconds with optional fraction, as the CLI sends them', () => {
  assert.equal(parseEventTime('1700000000.000000000'), 1_700_000_000_000_000_000n);
  assert.equal(parseEventTime('1700000000'), 1_700_000_000_000_000_000n);
  assert.equal(parseEventTime('1700000000.5'), 1_700_000_000_500_000_000n);
  assert.equal(parseEventTime('1700000000.000000042'), 1_700_000_000_000_000_042n);
  assert.equal(parseEventTime(undefined), null);
  assert.equal(parseEventTime(''), null);
});

test('durations count back from now; RFC 3339 times are absolute', () => {
  const now = 2_000_000_000_000_000_000n;
  assert.equal(parseEventTime('10m', now), now - 600_000_000_000n);
  assert.equal(parseEventTime('1h30m', now), now - 5_400_000_000_000n);
  assert.equal(parseEventTime('2023-11-14T22:13:20Z'), 1_700_000_000_000_000_000n);
  assert.equal(parseEventTime('2023-11-14T22:13:20.123456789Z'), 1_700_000_000_123_456_789n);
  assert.equal(parseGoDuration('1.5s'), 1_500_000_000n);
  assert.equal(parseGoDuration('soon'), null);
  // Go's spellings: a sign, a bare fraction, and the units together.
  assert.equal(parseGoDuration('-1h'), -3_600_000_000_000n);
  assert.equal(parseGoDuration('.5s'), 500_000_000n);
  assert.equal(parseGoDuration('1h2m3s4ms5us6ns'), 3_723_004_005_006n);
});

test("anything else is a 400 in strconv's words, about the part that failed, as dockerd's", () => {
  const refused = (words: string) => (e: unknown): boolean => e instanceof InvalidParameter && e.message === words;
  assert.throws(() => parseEventTime('yesterday'), refused('strconv.ParseInt: parsing "yesterday": invalid syntax'));
  assert.throws(() => parseEventTime('12.x'), refused('strconv.ParseInt: parsing "x": invalid syntax'));
});
