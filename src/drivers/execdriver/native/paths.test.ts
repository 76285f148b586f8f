import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StartFailed } from '../types.js';
import { Bundle } from './paths.js';

const id = 'a'.repeat(64);

test('a bundle under a short exec root is given to the shim as is', () => {
  const b = new Bundle(`/var/run/berth/containers/${id}`, '/var/run/berth', id);
  assert.equal(b.alias, null);
  assert.equal(b.sock, `/var/run/berth/containers/${id}/shim.sock`);
  assert.ok(Buffer.byteLength(b.sock) <= 107);
});

test('a bundle whose socket path would overflow sun_path goes through a short alias', () => {
  const root = '/tmp/berth-test-daemon-abcdef/exec';
  const b = new Bundle(`${root}/containers/${id}`, root, id);
  assert.equal(b.alias, `${root}/s/${id.slice(0, 16)}`);
  assert.equal(b.shimDir, b.alias);
  assert.equal(b.sock, `${b.alias}/shim.sock`);
  assert.ok(Buffer.byteLength(b.sock) <= 107);
  assert.equal(b.exitFile, `${root}/containers/${id}/exit.json`, 'other files are read at the real path');
});

test('StartFailed answers 400 for not found / not executable and 500 for the rest, as dockerd', () => {
  assert.equal(new StartFailed('x', 127).kind, 'invalid_parameter');
  assert.equal(new StartFailed('x', 126).kind, 'invalid_parameter');
  assert.equal(new StartFailed('x', 128).kind, 'system');
});
