import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, symlinkSync, lstatSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as native from './native.js';

// Under /tmp, on the root filesystem here: user.* xattrs need a filesystem that has them (ext4 does).
function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync('/tmp/berth-test-native-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function assertSystemError(fn: () => void, code: string, syscall: string, path: string): void {
  assert.throws(fn, (err: NodeJS.ErrnoException) => {
    assert.ok(err instanceof Error);
    assert.equal(err.code, code);
    assert.equal(typeof err.errno, 'number');
    assert.ok((err.errno ?? 0) < 0, 'errno is negative, as in Node');
    assert.equal(err.syscall, syscall);
    assert.equal(err.path, path);
    assert.match(err.message, new RegExp(`^${code}: .+, ${syscall} '${path}'$`));
    return true;
  });
}

test('mount on a missing target fails with ENOENT in the shape of a Node system error', (t) => {
  const dir = tempDir(t);
  const target = join(dir, 'missing');
  assertSystemError(() => native.mount('tmpfs', target, 'tmpfs', 0, null), 'ENOENT', 'mount', target);
});

test('mount with an unknown option fails with EINVAL', (t) => {
  const dir = tempDir(t);
  assertSystemError(() => native.mount('tmpfs', dir, 'tmpfs', 0, 'no_such_option=1'), 'EINVAL', 'mount', dir);
});

test('mount and umount2 a tmpfs, then umount2 of a non-mount point is EINVAL', (t) => {
  const dir = tempDir(t);
  const target = join(dir, 'm');
  mkdirSync(target);
  native.mount('tmpfs', target, 'tmpfs', native.MS_NOSUID | native.MS_NODEV, 'size=1m,mode=755');
  t.after(() => { try { native.umount2(target, native.MNT_DETACH); } catch { /* already unmounted */ } });
  assert.ok(readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${target} `));
  writeFileSync(join(target, 'f'), 'x');
  native.umount2(target, 0);
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${target} `));
  assertSystemError(() => native.umount2(target, 0), 'EINVAL', 'umount2', target);
});

test('mknod makes the 0/0 character device overlay uses as a whiteout', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'wh');
  native.mknod(p, native.S_IFCHR, native.makedev(0, 0));
  const st = lstatSync(p);
  assert.ok(st.isCharacterDevice());
  assert.equal(st.rdev, 0);
  native.mknod(join(dir, 'null'), native.S_IFCHR | 0o666, native.makedev(1, 3));
  assert.equal(lstatSync(join(dir, 'null')).rdev, 259); // glibc makedev(1, 3)
  assertSystemError(() => native.mknod(p, native.S_IFCHR, 0), 'EEXIST', 'mknod', p);
});

test('xattrs: set, get, list round trip; absent is null; symlinks are not followed', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'f');
  writeFileSync(f, 'data');
  assert.equal(native.lgetxattr(f, 'user.berth'), null);
  native.lsetxattr(f, 'user.berth', Buffer.from('value\0with nul'));
  native.lsetxattr(f, 'user.empty', Buffer.alloc(0));
  native.lsetxattr(f, 'trusted.overlay.opaque', 'y');
  assert.deepEqual(native.lgetxattr(f, 'user.berth'), Buffer.from('value\0with nul'));
  assert.deepEqual(native.lgetxattr(f, 'user.empty'), Buffer.alloc(0));
  assert.equal(native.lgetxattr(f, 'trusted.overlay.opaque')?.toString(), 'y');
  assert.deepEqual(native.llistxattr(f).sort(), ['trusted.overlay.opaque', 'user.berth', 'user.empty']);
  assertSystemError(() => native.lsetxattr(f, 'user.berth', 'x', native.XATTR_CREATE), 'EEXIST', 'lsetxattr', f);

  const link = join(dir, 'link');
  symlinkSync('f', link);
  assert.equal(native.lgetxattr(link, 'user.berth'), null, 'the link itself has no attribute');
  assert.deepEqual(native.llistxattr(link).filter((n) => n.startsWith('user.')), []);
  const missing = join(dir, 'missing');
  assertSystemError(() => native.llistxattr(missing), 'ENOENT', 'llistxattr', missing);
});

test('arguments of the wrong type throw TypeError, not a crash', () => {
  assert.throws(() => (native.umount2 as (t: unknown, f: number) => void)(42, 0), TypeError);
  assert.throws(() => native.lsetxattr('/x', 'user.a', 5 as unknown as Buffer), TypeError);
});
