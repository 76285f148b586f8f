import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findLeaks } from './helpers/leak-check.js';

// Run last by scripts/run-tests.mjs: the suite must leave no mounts, processes,
// /tmp/berth-test-* dirs, iptables chains, links or cgroups behind.
test('the suite left nothing behind', async () => {
  const leaks = await findLeaks();
  assert.deepEqual(leaks, [], `left behind by the test run:\n${leaks.join('\n')}`);
});
