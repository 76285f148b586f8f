// Name cleaning and chroot-style resolution, on real symlinks.
import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { cleanName, resolveEntry, resolveInRoot } from './confine.js';
import { tempDir } from './test-util.js';

test('cleanName folds dots, drops leading slashes and refuses climbing out', () => {
  const ok: [string, string][] = [['./bin/sh', 'bin/sh'], ['/etc/passwd', 'etc/passwd'], ['bin/', 'bin'], ['./', ''], ['.', ''],
    ['/../../x', 'x'], ['a/../b', 'b'], ['a//b/./c', 'a/b/c'], ['', '']];
  for (const [name, want] of ok) assert.equal(cleanName(name), want, name);
  for (const bad of ['..', '../x', 'a/../../x', './../x']) {
    assert.throws(() => cleanName(bad), new RegExp(`path "${bad.replace(/\./g, '\\.')}" escapes the destination`));
  }
  assert.throws(() => cleanName('a\0b'), /contains NUL/);
});

test('resolveInRoot follows links inside the root and clamps at it', async (t) => {
  const root = await tempDir(t);
  await mkdir(path.join(root, 'usr/lib'), { recursive: true });
  await symlink('usr/lib', path.join(root, 'lib'));
  await symlink('/usr', path.join(root, 'abs'));
  await symlink('../../../../..', path.join(root, 'usr/up'));
  await symlink('/', path.join(root, 'slash'));
  await symlink('loop2', path.join(root, 'loop1'));
  await symlink('loop1', path.join(root, 'loop2'));
  await symlink('lib', path.join(root, 'chain'));
  assert.equal(await resolveInRoot(root, 'lib/x', true), 'usr/lib/x');
  assert.equal(await resolveInRoot(root, 'chain/x', true), 'usr/lib/x');
  assert.equal(await resolveInRoot(root, 'abs/lib', true), 'usr/lib');
  assert.equal(await resolveInRoot(root, 'usr/up/etc', true), 'etc');
  assert.equal(await resolveInRoot(root, 'slash/slash/tmp', true), 'tmp');
  assert.equal(await resolveInRoot(root, 'lib', false), 'lib');
  assert.equal(await resolveInRoot(root, 'missing/x/y', true), 'missing/x/y');
  assert.equal(await resolveEntry(root, 'lib/chain'), 'usr/lib/chain');
  await assert.rejects(resolveInRoot(root, 'loop1/x', true), /too many levels of symbolic links/);
});
