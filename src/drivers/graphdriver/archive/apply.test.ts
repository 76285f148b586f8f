// Legit layer tars: metadata, links, replacement rules and the three whiteout modes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { applyTar } from './apply.js';
import { haveXattrs, lgetxattr } from './sys.js';
import { collect, packTar, stream, tempDir } from './test-util.js';

const T = new Date(1_500_000_000_000);

test('files, dirs, symlinks and hardlinks keep their metadata', async (t) => {
  const root = await tempDir(t);
  const tar = await packTar([
    { name: 'bin/', type: 'directory', mode: 0o750, uid: 12, gid: 34, mtime: T },
    { name: 'bin/su', mode: 0o4755, uid: 1234, gid: 5678, mtime: T, content: 'setuid!' },
    { name: 'bin/empty', mode: 0o600, content: '' },
    { name: 'bin/sh', type: 'symlink', linkname: 'su', uid: 7, gid: 8, mtime: T },
    { name: 'bin/su2', type: 'link', linkname: 'bin/su' },
    { name: 'bin/sub/deep', content: 'implicit parent' },
  ]);
  const size = await applyTar(root, stream(tar), { whiteouts: 'delete' });
  assert.equal(size, 7 + 15 + 2, 'file bytes and the symlink target su, as directory.Size counts');
  const su = await stat(path.join(root, 'bin/su'));
  assert.equal(su.mode & 0o7777, 0o4755);
  assert.equal([su.uid, su.gid].join(), '1234,5678');
  assert.equal(su.mtimeMs, T.getTime());
  assert.equal(su.nlink, 2);
  assert.equal((await stat(path.join(root, 'bin/su2'))).ino, su.ino);
  const sh = await lstat(path.join(root, 'bin/sh'));
  assert.equal(await readlink(path.join(root, 'bin/sh')), 'su');
  assert.equal([sh.uid, sh.gid, sh.mtimeMs].join(), `7,8,${T.getTime()}`);
  // Children were written after the dir entry; its times are set at the end.
  const bin = await stat(path.join(root, 'bin'));
  assert.equal(bin.mtimeMs, T.getTime());
  assert.equal(bin.mode & 0o7777, 0o750);
  assert.equal((await stat(path.join(root, 'bin/sub'))).mode & 0o777, 0o755);
  assert.equal(await readFile(path.join(root, 'bin/empty'), 'utf8'), '');
});

test('entries replace what is there, except a dir over a dir', async (t) => {
  const root = await tempDir(t);
  await mkdir(path.join(root, 'was-dir/child'), { recursive: true });
  await mkdir(path.join(root, 'keep/old'), { recursive: true });
  await writeFile(path.join(root, 'was-file'), 'old');
  await applyTar(root, stream(await packTar([
    { name: 'was-dir', content: 'now a file' },
    { name: 'was-file/', type: 'directory', mode: 0o711 },
    { name: 'keep/', type: 'directory', mode: 0o700, uid: 99 },
  ])), { whiteouts: 'delete' });
  assert.equal(await readFile(path.join(root, 'was-dir'), 'utf8'), 'now a file');
  assert.equal((await stat(path.join(root, 'was-file'))).isDirectory(), true);
  const keep = await stat(path.join(root, 'keep'));
  assert.deepEqual(await readdir(path.join(root, 'keep')), ['old']);
  assert.equal(keep.mode & 0o777, 0o700);
  assert.equal(keep.uid, 99);
});

test('parent symlinks are followed inside the root (lib -> usr/lib)', async (t) => {
  const root = await tempDir(t);
  await mkdir(path.join(root, 'usr/lib'), { recursive: true });
  await symlink('usr/lib', path.join(root, 'lib'));
  await symlink('/usr/lib', path.join(root, 'lib64'));
  await applyTar(root, stream(await packTar([{ name: 'lib/x/y', content: '1' }, { name: 'lib64/z', content: '2' }])), { whiteouts: 'delete' });
  assert.equal(await readFile(path.join(root, 'usr/lib/x/y'), 'utf8'), '1');
  assert.equal(await readFile(path.join(root, 'usr/lib/z'), 'utf8'), '2');
  assert.equal((await lstat(path.join(root, 'lib'))).isSymbolicLink(), true);
});

/** A lower layer with a/x, a/y, a/sub/z, b/c and f; the tar hides some of it. */
async function lower(root: string): Promise<void> {
  await mkdir(path.join(root, 'a/sub'), { recursive: true });
  await mkdir(path.join(root, 'b'));
  for (const f of ['a/x', 'a/y', 'a/sub/z', 'b/c', 'f']) await writeFile(path.join(root, f), f);
}
const whiteoutTar = () => packTar([
  { name: '.wh.b', content: '' },
  { name: '.wh.f', content: '' },
  { name: 'a/', type: 'directory', mode: 0o755 },
  { name: 'a/.wh..wh..opq', content: '' },
  { name: 'a/new', content: 'new' },
  { name: 'a/sub/', type: 'directory', mode: 0o755 },
  { name: '.wh..wh.plnk/123', content: 'aufs metadata' },
]);

test('whiteouts in delete mode remove what they hide; opaque keeps only this tar', async (t) => {
  const root = await tempDir(t);
  await lower(root);
  await applyTar(root, stream(await whiteoutTar()), { whiteouts: 'delete' });
  assert.deepEqual((await readdir(root)).sort(), ['a']);
  assert.deepEqual((await readdir(path.join(root, 'a'))).sort(), ['new', 'sub']);
  assert.deepEqual(await readdir(path.join(root, 'a/sub')), []);
});

test('a directory whited out later in the same tar does not fail the final time pass', async (t) => {
  const root = await tempDir(t);
  await applyTar(root, stream(await packTar([{ name: 'd/', type: 'directory' }, { name: '.wh.d', content: '' }])), { whiteouts: 'delete' });
  assert.deepEqual(await readdir(root), []);
});

test('hardlinks into an old aufs layer\'s .wh..wh.plnk become copies outside aufs', async (t) => {
  const tar = await packTar([
    { name: '.wh..wh.plnk/', type: 'directory' },
    { name: '.wh..wh.plnk/1234.5678', mode: 0o751, uid: 3, content: 'shared' },
    { name: 'bin/a', type: 'link', linkname: '.wh..wh.plnk/1234.5678' },
    { name: 'bin/b', type: 'link', linkname: '/.wh..wh.plnk/1234.5678' },
  ]);
  const root = await tempDir(t);
  await applyTar(root, stream(tar), { whiteouts: 'delete' });
  assert.deepEqual((await readdir(root)).sort(), ['bin']);
  for (const p of ['bin/a', 'bin/b']) {
    assert.equal(await readFile(path.join(root, p), 'utf8'), 'shared');
    const s = await stat(path.join(root, p));
    assert.equal(s.mode & 0o777, 0o751);
    assert.equal(s.uid, 3);
  }
  const aufsRoot = await tempDir(t);
  await applyTar(aufsRoot, stream(tar), { whiteouts: 'aufs' });
  assert.equal((await stat(path.join(aufsRoot, 'bin/a'))).ino, (await stat(path.join(aufsRoot, '.wh..wh.plnk/1234.5678'))).ino);
});

test('whiteouts in aufs mode stay files', async (t) => {
  const root = await tempDir(t);
  await lower(root);
  await applyTar(root, stream(await whiteoutTar()), { whiteouts: 'aufs' });
  assert.deepEqual((await readdir(root)).sort(), ['.wh..wh.plnk', '.wh.b', '.wh.f', 'a', 'b', 'f']);
  assert.deepEqual((await readdir(path.join(root, 'a'))).sort(), ['.wh..wh..opq', 'new', 'sub', 'x', 'y']);
});

test('whiteouts in overlay mode become 0/0 char devices and opaque xattrs', async (t) => {
  const root = await tempDir(t);
  const tar = await packTar([{ name: 'd/.wh.gone', uid: 5, gid: 6, content: '' }, { name: '.wh.top', content: '' }]);
  await applyTar(root, stream(tar), { whiteouts: 'overlay' });
  for (const p of ['d/gone', 'top']) {
    const s = await lstat(path.join(root, p));
    assert.equal(s.isCharacterDevice(), true);
    assert.equal(s.rdev, 0);
  }
  assert.equal((await lstat(path.join(root, 'd/gone'))).uid, 5);
  assert.deepEqual((await readdir(path.join(root, 'd'))).sort(), ['gone']);
});

test('opaque dirs in overlay mode get trusted.overlay.opaque=y', async (t) => {
  if (!(await haveXattrs())) return t.skip('native addon (src/libcontainer/native.ts) not available yet');
  const root = await tempDir(t);
  await applyTar(root, stream(await whiteoutTar()), { whiteouts: 'overlay' });
  assert.equal((await lgetxattr(path.join(root, 'a'), 'trusted.overlay.opaque'))?.toString(), 'y');
  assert.deepEqual((await readdir(path.join(root, 'a'))).sort(), ['new', 'sub']);
  assert.equal((await lstat(path.join(root, 'b'))).isCharacterDevice(), true);
});

test('a GNU tar archive with long names, hardlinks and symlinks extracts as tar -x would', async (t) => {
  const dir = await tempDir(t);
  const src = path.join(dir, 'src');
  const long = 'l'.repeat(120) + '/' + 'm'.repeat(150);
  await mkdir(path.join(src, 'l'.repeat(120)), { recursive: true });
  await writeFile(path.join(src, long), 'long');
  await writeFile(path.join(src, 'h1'), 'hard');
  execFileSync('ln', [path.join(src, 'h1'), path.join(src, 'h2')]);
  await symlink('x'.repeat(130), path.join(src, 'longlink'));
  for (const format of ['gnu', 'posix', 'ustar'] as const) {
    if (format === 'ustar') continue; // ustar cannot hold these names
    const tar = execFileSync('tar', ['-c', `--format=${format}`, '-C', src, '.']);
    const root = path.join(dir, format);
    await mkdir(root);
    await applyTar(root, stream(tar), { whiteouts: 'delete' });
    assert.equal(await readFile(path.join(root, long), 'utf8'), 'long');
    assert.equal((await stat(path.join(root, 'h1'))).ino, (await stat(path.join(root, 'h2'))).ino);
    assert.equal(await readlink(path.join(root, 'longlink')), 'x'.repeat(130));
  }
  assert.ok((await collect(stream(Buffer.alloc(0)))).length === 0);
});
