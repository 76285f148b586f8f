import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { kindOf } from '../engine/errors.js';
import { checkBindPropagation, mountOf, parsePropagation } from './propagation.js';

const INFO = [
  '20 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '21 20 0:5 / /srv rw shared:2 master:9 - ext4 /dev/sdb1 rw',
  '22 20 0:6 / /data rw master:3 - ext4 /dev/sdc1 rw',
  '23 20 0:7 / /private rw - tmpfs tmpfs rw',
].join('\n');

test('mountinfo peer tags decide whether shared or slave binds are allowed', async () => {
  const mounts = parsePropagation(INFO);
  assert.equal(mountOf(mounts, '/srv/x')!.mountpoint, '/srv');
  assert.equal(mountOf(mounts, '/srvx')!.mountpoint, '/');
  await checkBindPropagation('/srv/a', 'rshared', INFO);
  await checkBindPropagation('/data/a', 'rslave', INFO);
  await checkBindPropagation('/private/a', 'rprivate', INFO);
  const refused = (p: Promise<void>, msg: string): Promise<void> =>
    assert.rejects(p, (e: unknown) => kindOf(e) === 'system' && (e as Error).message === msg);
  await refused(checkBindPropagation('/data/a', 'shared', INFO), 'path /data/a is mounted on /data but it is not a shared mount');
  await refused(checkBindPropagation('/private/a', 'slave', INFO), 'path /private/a is mounted on /private but it is not a shared or slave mount');
});

test('the real host mounts are read when no text is given', async () => {
  const own = parsePropagation(await readFile('/proc/self/mountinfo', 'utf8'));
  const root = mountOf(own, '/proc/self');
  assert.ok(root);
  const m = mountOf(own, '/')!;
  if (m.shared || m.slave) await checkBindPropagation('/', 'rslave');
  else await assert.rejects(checkBindPropagation('/', 'rslave'), /is not a shared or slave mount/);
});
