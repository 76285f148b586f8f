import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameter } from '../engine/errors.js';
import { boolFilter, matchLabels, matchNoLabels, parseDuration, parseTimestamp } from './filters.js';

test('label filters need every key (and value) to match', () => {
  const labels = { a: '1', b: '' };
  assert.ok(matchLabels(['a'], labels));
  assert.ok(matchLabels(['a=1', 'b'], labels));
  assert.ok(matchLabels(['b='], labels));
  assert.ok(!matchLabels(['a=2'], labels));
  assert.ok(!matchLabels(['c'], labels));
  assert.ok(!matchLabels(['a'], null));
  assert.ok(matchLabels([], null));
  assert.ok(matchNoLabels(['c'], labels));
  assert.ok(!matchNoLabels(['a=1'], labels));
});

test('dangling takes true/1/false/0 only', () => {
  assert.equal(boolFilter('dangling', ['true']), true);
  assert.equal(boolFilter('dangling', ['1']), true);
  assert.equal(boolFilter('dangling', ['false']), false);
  assert.equal(boolFilter('dangling', undefined), undefined);
  assert.throws(() => boolFilter('dangling', ['maybe']), InvalidParameter);
});

test('until takes durations, unix seconds and RFC 3339 dates', () => {
  assert.equal(parseDuration('1h30m'), 5400e3);
  assert.equal(parseDuration('90s'), 90e3);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(parseTimestamp('24h', 100_000_000_000), 100_000_000_000 - 86_400_000);
  assert.equal(parseTimestamp('1700000000'), 1_700_000_000_000);
  assert.equal(parseTimestamp('0', 5_000), 0, '"0" is the epoch, not a duration');
  assert.equal(parseTimestamp('1700000000.5'), 1_700_000_000_500);
  assert.equal(parseTimestamp('2023-11-14T22:13:20Z'), 1_700_000_000_000);
  assert.throws(() => parseTimestamp('yesterday'), InvalidParameter);
});
