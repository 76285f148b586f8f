import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rowJson } from './list-json.js';
import type { ContainerRecord, ContainerSummary } from './types.js';

function row(labels: Record<string, string>, status: string): ContainerSummary {
  return {
    Id: 'a'.repeat(64), Names: ['/x'], Image: 'busybox', ImageID: 'sha256:b', Command: 'true', Created: 1, Ports: [],
    Labels: labels, State: 'exited', Status: status, HostConfig: { NetworkMode: 'none' },
    NetworkSettings: { Networks: { none: { IPAMConfig: null, Aliases: null } } }, Mounts: [],
  };
}

test('a row is served from the cache only while it serialises the same', () => {
  const c = {} as ContainerRecord;
  const labels: Record<string, string> = { a: '1' };
  const first = rowJson(c, row(labels, 'Exited (0) 2 seconds ago'));
  assert.equal(first, JSON.stringify(row(labels, 'Exited (0) 2 seconds ago')));
  assert.equal(rowJson(c, row(labels, 'Exited (0) 2 seconds ago')), first);
  // A change in place of an object the row shares with the record is seen.
  labels['b'] = '2';
  assert.equal(rowJson(c, row(labels, 'Exited (0) 2 seconds ago')), JSON.stringify(row(labels, 'Exited (0) 2 seconds ago')));
  // So is a time that moved, and a key order that changed.
  assert.match(rowJson(c, row(labels, 'Exited (0) 3 seconds ago')), /3 seconds/);
  const reordered = rowJson(c, row({ b: '2', a: '1' }, 'Exited (0) 3 seconds ago'));
  assert.equal(reordered, JSON.stringify(row({ b: '2', a: '1' }, 'Exited (0) 3 seconds ago')));
});
