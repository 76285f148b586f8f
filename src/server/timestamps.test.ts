import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameter } from '../engine/errors.js';
import { parseEventTime, parseGoDuration } from './timestamps.js';

test('unix seconds with optional fraction, as the CLI sends them', () => {
  assert.equal(parseEventTime('since', '1700000000.000000000'), 1_700_000_000_000_000_000n);
  assert.equal(parseEventTime('since', '1700000000'), 1_700_000_000_000_000_000n);
  assert.equal(parseEventTime('since', '1700000000.5'), 1_700_000_000_500_000_000n);
  assert.equal(parseEventTime('since', '1700000000.000000042'), 1_700_000_000_000_000_042n);
  assert.equal(parseEventTime('since', undefined), null);
  assert.equal(parseEventTime('since', ''), null);
});

test('durations count back from now; RFC 3339 times are absolute', () => {
  const now = 2_000_000_000_000_000_000n;
  assert.equal(parseEventTime('since', '10m', now), now - 600_000_000_000n);
  assert.equal(parseEventTime('since', '1h30m', now), now - 5_400_000_000_000n);
  assert.equal(parseEventTime('until', '2023-11-14T22:13:20Z'), 1_700_000_000_000_000_000n);
  assert.equal(parseEventTime('until', '2023-11-14T22:13:20.123456789Z'), 1_700_000_000_123_456_789n);
  assert.equal(parseGoDuration('1.5s'), 1_500_000_000n);
  assert.equal(parseGoDuration('soon'), null);
});

test('anything else is a 400 naming the parameter', () => {
  assert.throws(() => parseEventTime('until', 'yesterday'), (e: unknown) => e instanceof InvalidParameter && /until/.test(e.message));
});
