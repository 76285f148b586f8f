import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDevices, hostDevices } from './devices.js';

test('default devices are the standard character nodes, world read-write', () => {
  const d = defaultDevices();
  assert.deepEqual(d.map((x) => `${x.path} ${x.major}:${x.minor}`),
    ['/dev/null 1:3', '/dev/zero 1:5', '/dev/full 1:7', '/dev/random 1:8', '/dev/urandom 1:9', '/dev/tty 5:0']);
  assert.ok(d.every((x) => x.type === 'c' && x.fileMode === 0o666 && x.uid === 0 && x.gid === 0));
});

test('host devices are read from the real /dev with their numbers (for --privileged)', async () => {
  const d = await hostDevices();
  const nul = d.find((x) => x.path === '/dev/null');
  assert.ok(nul, 'the host has /dev/null');
  assert.equal(nul.type, 'c');
  assert.equal(`${nul.major}:${nul.minor}`, '1:3');
  // The container gets its own devpts, shm and mqueue: none of the host's are listed.
  assert.ok(d.every((x) => !x.path.startsWith('/dev/pts/') && x.path !== '/dev/ptmx' && x.path !== '/dev/console'));
});
