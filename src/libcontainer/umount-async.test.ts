import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mount, umount2Async, MNT_DETACH } from './native.js';

const mounted = (dir: string): boolean => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);

test('umount2Async unmounts off the event loop; a non-mount point rejects with EINVAL in Node\'s shape', async (t) => {
  const dir = mkdtempSync('/tmp/berth-test-umount-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mount('tmpfs', dir, 'tmpfs', 0, null);
  assert.ok(mounted(dir));
  await umount2Async(dir, MNT_DETACH);
  assert.ok(!mounted(dir));
  await assert.rejects(umount2Async(dir), (e: NodeJS.ErrnoException) =>
    e.code === 'EINVAL' && e.syscall === 'umount2' && e.path === dir && (e.errno ?? 0) < 0);
});
