// Tar-split: recording while extracting, then replaying against the extracted files,
// gives back the original archive byte for byte, whoever wrote it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile, truncate, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { applyTar, type WhiteoutMode } from './apply.js';
import { assembleTar } from './split.js';
import { haveXattrs, lgetxattr } from './sys.js';
import { EOF, collect, data, header, packTar, pax, stream, tempDir } from './test-util.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Extract `tar` into a fresh root recording the split, replay it, compare digests. */
async function roundTrip(t: TestContext, tar: Buffer, whiteouts: WhiteoutMode = 'delete', allowDevices = false): Promise<string> {
  const root = path.join(await tempDir(t), 'root');
  await mkdir(root);
  const split = new PassThrough();
  const recorded = collect(split);
  await applyTar(root, stream(tar), { whiteouts, allowDevices, split });
  const out = await collect(assembleTar(root, Readable.from([await recorded])));
  assert.equal(out.length, tar.length);
  assert.equal(sha(out), sha(tar));
  return root;
}

/** A source tree with long names, hardlinks, symlinks, empty files, a fifo. */
async function tree(t: TestContext): Promise<string> {
  const src = path.join(await tempDir(t), 'src');
  const longDir = path.join(src, 'd'.repeat(110));
  await mkdir(path.join(longDir, 'e'.repeat(120)), { recursive: true });
  await writeFile(path.join(longDir, 'e'.repeat(120), 'f'.repeat(90)), 'long name\n');
  await writeFile(path.join(src, 'empty'), '');
  await writeFile(path.join(src, 'big'), Buffer.alloc(300_000, 7));
  await writeFile(path.join(src, 'odd'), 'x'.repeat(513));
  execFileSync('ln', [path.join(src, 'big'), path.join(src, 'big-hardlink')]);
  await symlink('l'.repeat(140), path.join(src, 'long-symlink'));
  await symlink('big', path.join(src, 'short-symlink'));
  await mkdir(path.join(src, 'sub'));
  await writeFile(path.join(src, 'sub', '.wh.hidden'), '');
  return src;
}

for (const format of ['gnu', 'posix', 'oldgnu', 'v7']) {
  test(`GNU tar --format=${format} round-trips byte for byte`, async (t) => {
    const src = await tree(t);
    const args = ['-c', `--format=${format}`, '-C', src, '.'];
    if (format === 'v7') {
      // v7 holds neither long names nor long link targets.
      args.splice(args.length - 1, 1, 'empty', 'big', 'big-hardlink', 'odd', 'short-symlink', 'sub');
    }
    await roundTrip(t, execFileSync('tar', args, { maxBuffer: 1 << 26 }));
  });
}

test('tar-stream archives round-trip, whiteouts in every mode', async (t) => {
  const tar = await packTar([
    { name: 'a/', type: 'directory' },
    { name: 'a/.wh..wh..opq', content: '' },
    { name: 'a/file', content: 'hello' },
    { name: '.wh.gone', content: '' },
    { name: `${'n'.repeat(99)}/${'m'.repeat(99)}`, content: 'prefix split' },
    { name: 'hl', type: 'link', linkname: 'a/file' },
    { name: 'empty', content: '' },
    { name: '.wh..wh.plnk/9.9', content: 'aufs hardlink source' },
    { name: 'copied', type: 'link', linkname: '.wh..wh.plnk/9.9' },
  ]);
  await roundTrip(t, tar, 'delete');
  await roundTrip(t, tar, 'aufs');
  if (await haveXattrs()) await roundTrip(t, tar, 'overlay');
});

test('PAX headers with binary xattrs and trailing garbage after the end marker round-trip', async (t) => {
  const xattr = Buffer.from([0x01, 0x00, 0x00, 0x02, 0xff, 0xfe, 0x00, 0x0a]);
  const records: [string, Buffer | string][] = [['path', `${'p'.repeat(200)}`], ['mtime', '1600000000.123456789']];
  if (await haveXattrs()) records.push(['SCHILY.xattr.user.bin', xattr], ['SCHILY.xattr.security.selinux', 'system_u:object_r:x\0']);
  const tar = Buffer.concat([
    pax([['comment', 'global']]).fill(0x67, 156, 157), // turned into a `g` header (checksum fixed below)
    pax(records), header({ name: 'short', size: 5 }), data('12345'),
    header({ name: 'whiteout-with-data/.wh.x', size: 3 }), data('abc'),
    EOF, Buffer.from('trailing bytes that are not blocks'),
  ]);
  fixChecksum(tar, 0);
  const root = await roundTrip(t, tar, 'delete');
  assert.equal(await readFile(path.join(root, 'p'.repeat(200)), 'utf8'), '12345');
  if (await haveXattrs()) {
    assert.deepEqual(await lgetxattr(path.join(root, 'p'.repeat(200)), 'user.bin'), xattr);
    assert.equal(await lgetxattr(path.join(root, 'p'.repeat(200)), 'security.selinux'), null);
  }
});

test('a file changed on disk after extraction is noticed when shorter', async (t) => {
  const tar = await packTar([{ name: 'f', content: 'abcdef' }]);
  const root = path.join(await tempDir(t), 'root');
  await mkdir(root);
  const split = new PassThrough();
  const recorded = collect(split);
  await applyTar(root, stream(tar), { whiteouts: 'delete', split });
  await truncate(path.join(root, 'f'), 2);
  const record = await recorded;
  await assert.rejects(collect(assembleTar(root, Readable.from([record]))), /file "f" is shorter than the 6 bytes recorded/);
  await unlink(path.join(root, 'f'));
  await assert.rejects(collect(assembleTar(root, Readable.from([record]))), /tar-split: cannot read "f" back from the layer: ENOENT/);
});

test('a tar that rewrites a file it wrote refuses to replay rather than giving other bytes', async (t) => {
  // The second content is longer, so replaying the first record would silently read the wrong bytes.
  const tar = await packTar([{ name: 'f', content: 'first' }, { name: 'g', content: 'g' }, { name: 'f', content: 'second, longer' }]);
  const root = path.join(await tempDir(t), 'root');
  await mkdir(root);
  const split = new PassThrough();
  const recorded = collect(split);
  await applyTar(root, stream(tar), { whiteouts: 'delete', split });
  assert.equal(await readFile(path.join(root, 'f'), 'utf8'), 'second, longer');
  await assert.rejects(collect(assembleTar(root, Readable.from([await recorded]))), /cannot be reproduced: "f" was replaced later in the same archive/);
  // Replacing a path no file was recorded under is fine.
  await roundTrip(t, await packTar([{ name: 'd/', type: 'directory' }, { name: 'd', content: 'now a file' }, { name: 'e', content: 'x' }, { name: '.wh.e2', content: '' }]));
});

function fixChecksum(tar: Buffer, off: number): void {
  tar.write('        ', off + 148, 'latin1');
  let sum = 0;
  for (let i = off; i < off + 512; i++) sum += tar[i]!;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, off + 148, 'latin1');
}
