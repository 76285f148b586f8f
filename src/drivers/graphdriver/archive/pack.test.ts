// packDir: a layer dir to a layer tar and back gives the same tree; overlay whiteouts
// and opaque dirs become `.wh.` entries; output is deterministic and GNU tar reads it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, lchown, link, lstat, lutimes, mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { applyTar } from './apply.js';
import { packDir } from './pack.js';
import { haveXattrs, lgetxattr, lsetxattr, mknod, S_IFCHR } from './sys.js';
import { collect, stream, tempDir } from './test-util.js';

const T = 1_400_000_000;

/** Names, modes, owners, times, link targets, inodes shared, rdev and xattrs of a tree. */
async function describe(root: string): Promise<string[]> {
  const out: string[] = [];
  const inodes = new Map<number, string>();
  async function walk(rel: string): Promise<void> {
    for (const n of (await readdir(path.join(root, rel))).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const abs = path.join(root, r);
      const s = await lstat(abs);
      const linkTo = s.isSymbolicLink() ? await readlink(abs) : '';
      const shared = !s.isDirectory() && s.nlink > 1 ? (inodes.get(s.ino) ?? (inodes.set(s.ino, r), r)) : '';
      const content = s.isFile() ? (await readFile(abs)).toString('base64') : '';
      const x = (await haveXattrs()) && !s.isSymbolicLink() ? (await lgetxattr(abs, 'user.test'))?.toString('hex') ?? '' : '';
      const opaque = (await haveXattrs()) && s.isDirectory() ? (await lgetxattr(abs, 'trusted.overlay.opaque'))?.toString() ?? '' : '';
      // Whiteouts' times are not kept (nor by dockerd).
      const mtime = s.isCharacterDevice() && s.rdev === 0 ? '' : String(Math.floor(s.mtimeMs / 1000));
      out.push([r, s.mode.toString(8), s.uid, s.gid, mtime, linkTo, shared, s.rdev, content, x, opaque].join(' '));
      if (s.isDirectory()) await walk(r);
    }
  }
  await walk('');
  return out;
}

async function layer(root: string, xattrs: boolean): Promise<void> {
  await mkdir(path.join(root, 'bin'), { recursive: true });
  await writeFile(path.join(root, 'bin/busybox'), 'ELF...');
  await chmod(path.join(root, 'bin/busybox'), 0o4755);
  await lchown(path.join(root, 'bin/busybox'), 0, 2000);
  await link(path.join(root, 'bin/busybox'), path.join(root, 'bin/sh'));
  await symlink('busybox', path.join(root, 'bin/ls'));
  await mkdir(path.join(root, 'dev'));
  await mknod(path.join(root, 'dev/null'), S_IFCHR | 0o666, 1, 3);
  await mknod(path.join(root, 'gone'), S_IFCHR, 0, 0); // overlay whiteout
  await mkdir(path.join(root, 'opaque/keep'), { recursive: true });
  await writeFile(path.join(root, 'long-' + 'x'.repeat(150)), 'long');
  await writeFile(path.join(root, 'empty'), '');
  if (xattrs) {
    await lsetxattr(path.join(root, 'bin/busybox'), 'user.test', Buffer.from([0, 1, 0xff, 10]));
    await lsetxattr(path.join(root, 'opaque'), 'trusted.overlay.opaque', Buffer.from('y'));
  }
  for (const p of ['bin/busybox', 'bin/ls', 'dev/null', 'empty', 'long-' + 'x'.repeat(150)]) await lutimes(path.join(root, p), T, T);
}

test('packDir then applyTar reproduces an overlay layer dir', async (t) => {
  const dir = await tempDir(t);
  const xattrs = await haveXattrs();
  const [src, dst] = [path.join(dir, 'src'), path.join(dir, 'dst')];
  await mkdir(src);
  await mkdir(dst);
  await layer(src, xattrs);
  const tar = await collect(packDir(src, { whiteouts: 'overlay' }));
  assert.deepEqual(await collect(packDir(src, { whiteouts: 'overlay' })), tar, 'same dir, same bytes');
  const names = execFileSync('tar', ['-t'], { input: tar }).toString().trim().split('\n');
  assert.ok(names.includes('bin/') && names.includes('bin/sh') && names.includes('.wh.gone'), names.join(','));
  if (xattrs) assert.ok(names.includes('opaque/.wh..wh..opq'));
  assert.ok(names.every((n) => !n.startsWith('./') && !n.startsWith('/')));
  await applyTar(dst, stream(tar), { whiteouts: 'overlay', allowDevices: true });
  assert.deepEqual(await describe(dst), await describe(src));
});

test('packDir in aufs mode keeps .wh. files and drops aufs metadata', async (t) => {
  const dir = await tempDir(t);
  const src = path.join(dir, 'src');
  await mkdir(path.join(src, '.wh..wh.plnk'), { recursive: true });
  await mkdir(path.join(src, '.wh..wh.orph'));
  await writeFile(path.join(src, '.wh..wh.aufs'), '');
  await writeFile(path.join(src, '.wh.deleted'), '');
  await mkdir(path.join(src, 'd'));
  await writeFile(path.join(src, 'd/.wh..wh..opq'), '');
  const names = execFileSync('tar', ['-t'], { input: await collect(packDir(src, { whiteouts: 'aufs' })) }).toString().trim().split('\n');
  assert.deepEqual(names, ['.wh.deleted', 'd/', 'd/.wh..wh..opq']);
});

test('packDir of a missing dir fails the stream', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(collect(packDir(path.join(dir, 'nope'), { whiteouts: 'overlay' })), /ENOENT/);
});
