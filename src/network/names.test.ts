import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findNetwork, getNetwork, modeNetwork } from './names.js';
import type { NetworkRecord } from './types.js';

function net(id: string, name: string): NetworkRecord {
  return { Id: id, Name: name, Created: '', Driver: 'bridge', Internal: false, Attachable: false, Labels: {}, Options: {}, IPAM: { Driver: 'default', Options: null, Config: [] }, predefined: false };
}

test('lookup: full id, then name, then unique id prefix; dockerd\'s words otherwise', () => {
  const all = [net('abc123', 'front'), net('abd456', 'back'), net('fff000', 'abc')];
  assert.equal(findNetwork(all, 'abc123')?.Name, 'front');
  assert.equal(findNetwork(all, 'abc')?.Id, 'fff000', 'a name wins over an id prefix');
  assert.equal(findNetwork(all, 'abd')?.Name, 'back');
  assert.throws(() => findNetwork(all, 'ab'), /network ab is ambiguous \(2 matches found based on ID prefix\)/);
  assert.throws(() => getNetwork(all, 'nope'), /network nope not found/);
  assert.throws(() => findNetwork([net('1', 'x'), net('2', 'x')], 'x'), /network x is ambiguous \(2 matches found based on name\)/);
});

test('network modes name networks; default is the bridge', () => {
  assert.equal(modeNetwork('default'), 'bridge');
  assert.equal(modeNetwork(''), 'bridge');
  assert.equal(modeNetwork('host'), 'host');
  assert.equal(modeNetwork('mynet'), 'mynet');
  assert.equal(modeNetwork('container:web'), null);
});
