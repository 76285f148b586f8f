import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Query } from './query.js';

test('booleans as dockerd reads them: false only for 0, no, false and none, in any case', () => {
  const q = new Query('a=1&b=True&c=abc&d=0&e=NO&f=False&g=none&h=&i=%20yes%20');
  assert.deepEqual(['a', 'b', 'c', 'i'].map((k) => q.bool(k)), [true, true, true, true]);
  assert.deepEqual(['d', 'e', 'f', 'g'].map((k) => q.bool(k, true)), [false, false, false, false]);
  // Absent or empty: the route's default.
  assert.equal(q.bool('h', true), true);
  assert.equal(q.bool('missing', true), true);
  assert.equal(q.bool('missing'), false);
});
