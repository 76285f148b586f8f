import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kindOf } from '../engine/errors.js';
import { resolveInRoot, resolveUser } from './user.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\n# comment\nnobody:x:65534:65534::/:/bin/false\n';
const GROUP = 'root:x:0:\nwheel:x:10:root\nwww:x:33:\nstaff:x:50:www,nobody\naudio:x:29:www\n';

async function rootfs(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-test-user-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'etc'));
  return dir;
}

const invalid = async (p: Promise<unknown>, msg: string): Promise<void> => {
  await assert.rejects(p, (e: unknown) => kindOf(e) === 'invalid_parameter' && (e as Error).message === msg);
};

test('names and numbers resolve from the rootfs passwd and group files', async (t) => {
  const root = await rootfs(t);
  await writeFile(join(root, 'etc/passwd'), PASSWD);
  await writeFile(join(root, 'etc/group'), GROUP);
  assert.deepEqual(await resolveUser(root, ''), { uid: 0, gid: 0, additionalGids: [0, 10], home: '/root' });
  assert.deepEqual(await resolveUser(root, 'www'), { uid: 33, gid: 33, additionalGids: [33, 50, 29], home: '/var/www' });
  assert.deepEqual(await resolveUser(root, '33'), { uid: 33, gid: 33, additionalGids: [33, 50, 29], home: '/var/www' });
  assert.deepEqual(await resolveUser(root, 'www:staff'), { uid: 33, gid: 50, additionalGids: [50], home: '/var/www' });
  assert.deepEqual(await resolveUser(root, '1234:4321'), { uid: 1234, gid: 4321, additionalGids: [4321], home: '/' });
  // libcontainer's parseLine: fields past the group are ignored.
  assert.deepEqual(await resolveUser(root, '1234:4321:9'), { uid: 1234, gid: 4321, additionalGids: [4321], home: '/' });
  assert.deepEqual(await resolveUser(root, 'nobody', ['wheel', '777']), { uid: 65534, gid: 65534, additionalGids: [65534, 50, 10, 777], home: '/' });
  await invalid(resolveUser(root, 'nosuch'), 'unable to find user nosuch: no matching entries in passwd file');
  await invalid(resolveUser(root, 'www:nosuch'), 'unable to find group nosuch: no matching entries in group file');
  await invalid(resolveUser(root, '99999999999'), 'uids and gids must be in range 0-2147483647');
});

test('without passwd/group files only numeric ids work', async (t) => {
  const root = await rootfs(t);
  assert.deepEqual(await resolveUser(root, '5:6'), { uid: 5, gid: 6, additionalGids: [6], home: '/' });
  await invalid(resolveUser(root, 'daemon'), 'unable to find user daemon: no matching entries in passwd file');
});

test('a symlinked /etc/passwd is resolved inside the rootfs, never on the host', async (t) => {
  const root = await rootfs(t);
  // A host file the link must not reach, beside the rootfs.
  const outside = await mkdtemp(join(tmpdir(), 'berth-test-outside-'));
  t.after(() => rm(outside, { recursive: true, force: true }));
  await writeFile(join(outside, 'passwd'), 'evil:x:4242:4242::/:/bin/sh\n');
  await mkdir(join(root, 'lib'));
  await writeFile(join(root, 'lib/passwd'), 'inside:x:7:7::/home:/bin/sh\n');
  // Absolute target: /lib/passwd of the container.
  await symlink('/lib/passwd', join(root, 'etc/passwd'));
  assert.equal((await resolveUser(root, 'inside')).uid, 7);
  // Relative target climbing out with ..: must stop at the rootfs.
  await rm(join(root, 'etc/passwd'));
  const rel = join('..', '..', '..', '..', '..', '..', '..', '..', outside, 'passwd');
  await symlink(rel, join(root, 'etc/passwd'));
  await invalid(resolveUser(root, 'evil'), 'unable to find user evil: no matching entries in passwd file');
  // Absolute target naming the host file: read inside the rootfs, where it does not exist.
  await rm(join(root, 'etc/passwd'));
  await symlink(join(outside, 'passwd'), join(root, 'etc/passwd'));
  await invalid(resolveUser(root, 'evil'), 'unable to find user evil: no matching entries in passwd file');
  assert.equal(await resolveInRoot(root, '/etc/passwd'), join(root, outside, 'passwd'));
  // A symlinked directory component is confined too.
  await rm(join(root, 'etc'), { recursive: true });
  await symlink(outside, join(root, 'etc'));
  await invalid(resolveUser(root, 'evil'), 'unable to find user evil: no matching entries in passwd file');
});
