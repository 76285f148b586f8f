// Hostile archives: every one is refused with a message naming the bad entry, or
// lands inside the root; nothing is ever written next to or above the root.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { kindOf } from '../../../engine/errors.js';
import { applyTar } from './apply.js';
import { EOF, data, exists, header, listTree, packTar, stream, tempDir, type PackEntry } from './test-util.js';

/** root sits three levels down in a temp dir; `sentinel` is a dir next to it that must stay empty. */
async function setup(t: TestContext) {
  const base = await tempDir(t);
  const root = path.join(base, 'a', 'b', 'root');
  const sentinel = path.join(base, 'a', 'b', 'sentinel');
  await mkdir(root, { recursive: true });
  await mkdir(sentinel);
  const unique = `berth-test-escape-${randomBytes(6).toString('hex')}`;
  // Host paths a breakout would create; removed in case the test fails.
  const hostPaths = [path.join('/tmp', unique), path.join(base, unique), path.join(base, 'a', unique), path.join(base, `${unique}-d`), path.join(base, 'a', `${unique}-d`)];
  t.after(async () => {
    for (const p of hostPaths) await import('node:fs/promises').then((fs) => fs.rm(p, { recursive: true, force: true }));
  });
  const outsideUnchanged = async () => {
    assert.deepEqual(await listTree(sentinel), [], 'sentinel dir stays empty');
    assert.deepEqual((await listTree(base)).filter((p) => !p.startsWith('a/b/root/')), ['a', 'a/b', 'a/b/root', 'a/b/sentinel']);
    for (const p of hostPaths) assert.equal(await exists(p), false, `${p} must not exist`);
  };
  return { base, root, sentinel, unique, outsideUnchanged };
}

async function rejects(root: string, tar: Buffer, pattern: RegExp, allowDevices = false) {
  await assert.rejects(applyTar(root, stream(tar), { whiteouts: 'delete', allowDevices }), (err: unknown) => {
    assert.match((err as Error).message, pattern);
    assert.equal(kindOf(err), 'invalid_parameter');
    return true;
  });
}

test('a name climbing above the root is refused', async (t) => {
  const { root, unique, outsideUnchanged } = await setup(t);
  for (const name of [`../../${unique}`, `../../../${unique}/x`, `x/../../../${unique}`, '..']) {
    await rejects(root, await packTar([{ name, content: 'pwned' }]), new RegExp(`invalid tar header: path ".*" escapes the destination`));
  }
  await outsideUnchanged();
  assert.deepEqual(await listTree(root), []);
});

test('an absolute name lands inside the root', async (t) => {
  const { root, unique, outsideUnchanged } = await setup(t);
  await applyTar(root, stream(await packTar([{ name: `/tmp/${unique}/x`, content: 'in' }, { name: `/../${unique}`, content: 'in2' }])), { whiteouts: 'delete' });
  assert.equal(await readFile(path.join(root, 'tmp', unique, 'x'), 'utf8'), 'in');
  assert.equal(await readFile(path.join(root, unique), 'utf8'), 'in2');
  await outsideUnchanged();
});

test('writing through a symlink to / stays inside the root', async (t) => {
  const { root, unique, outsideUnchanged } = await setup(t);
  const tar = await packTar([
    { name: 'evil', type: 'symlink', linkname: '/' },
    { name: `evil/tmp/${unique}/x`, content: 'in' },
    { name: 'evil2', type: 'symlink', linkname: '/tmp' },
    { name: `evil2/${unique}/y`, content: 'in' },
  ]);
  await applyTar(root, stream(tar), { whiteouts: 'delete' });
  assert.equal(await readFile(path.join(root, 'tmp', unique, 'x'), 'utf8'), 'in');
  assert.equal(await readFile(path.join(root, 'tmp', unique, 'y'), 'utf8'), 'in');
  await outsideUnchanged();
});

test('a symlink climbing out of the root is kept (as dockerd keeps it) and writing through it is clamped at the root', async (t) => {
  const { root, unique, outsideUnchanged } = await setup(t);
  await applyTar(root, stream(await packTar([{ name: 'evil', type: 'symlink', linkname: '../../..' }, { name: `evil/${unique}-e`, content: 'x' }])), { whiteouts: 'delete' });
  assert.equal(await readlink(path.join(root, 'evil')), '../../..');
  assert.equal(await readFile(path.join(root, `${unique}-e`), 'utf8'), 'x');
  // A lower layer (or a previous tar) may hold such a link; writing through it resolves inside.
  await symlink('../../..', path.join(root, 'up'));
  await symlink(`../../../${unique}-d`, path.join(root, 'up2'));
  await applyTar(root, stream(await packTar([{ name: `up/${unique}`, content: 'a' }, { name: 'up2/z', content: 'b' }])), { whiteouts: 'delete' });
  assert.equal(await readFile(path.join(root, unique), 'utf8'), 'a');
  assert.equal(await readFile(path.join(root, `${unique}-d`, 'z'), 'utf8'), 'b');
  await outsideUnchanged();
});

test('a directory replaced by a symlink later in the same tar is resolved afresh', async (t) => {
  const { root, unique, outsideUnchanged } = await setup(t);
  await applyTar(root, stream(await packTar([
    { name: 'a/', type: 'directory' },
    { name: 'a/x', content: '1' },
    { name: 'a', type: 'symlink', linkname: `/tmp/${unique}` },
    { name: 'a/y', content: '2' },
    { name: 'b', type: 'symlink', linkname: '/' },
    { name: 'b/b2/z', content: '3' },
  ])), { whiteouts: 'delete' });
  assert.equal(await readFile(path.join(root, 'tmp', unique, 'y'), 'utf8'), '2');
  assert.equal(await readFile(path.join(root, 'b2/z'), 'utf8'), '3');
  await outsideUnchanged();
});

test('an existing symlink at the entry path is replaced, never written through', async (t) => {
  const { base, root, outsideUnchanged } = await setup(t);
  const victim = path.join(base, 'a', 'b', 'sentinel-file');
  await writeFile(victim, 'original');
  t.after(() => import('node:fs/promises').then((fs) => fs.rm(victim, { force: true })));
  await symlink(victim, path.join(root, 'f'));
  await applyTar(root, stream(await packTar([{ name: 'f', content: 'new' }])), { whiteouts: 'delete' });
  assert.equal(await readFile(victim, 'utf8'), 'original');
  assert.equal(await readFile(path.join(root, 'f'), 'utf8'), 'new');
  await import('node:fs/promises').then((fs) => fs.rm(victim));
  await outsideUnchanged();
});

test('a hardlink to a file outside the root is refused', async (t) => {
  const { root, outsideUnchanged } = await setup(t);
  const before = (await stat('/etc/passwd')).nlink;
  await rejects(root, await packTar([{ name: 'pw', type: 'link', linkname: '../../etc/passwd' }]), /hardlink target "..\/..\/etc\/passwd" escapes the destination/);
  // Through a symlink the target resolves inside the root, where there is no such file.
  await rejects(root, await packTar([{ name: 'evil', type: 'symlink', linkname: '/' }, { name: 'pw', type: 'link', linkname: 'evil/etc/passwd' }]),
    /hardlink "pw" -> "evil\/etc\/passwd": no such file/);
  await rejects(root, await packTar([{ name: 'pw', type: 'link', linkname: '/etc/passwd' }]), /no such file/);
  // A hardlink to a symlink that points out links the symlink itself, never its target.
  await symlink('/etc/passwd', path.join(root, 'to-host'));
  await applyTar(root, stream(await packTar([{ name: 'pw2', type: 'link', linkname: 'to-host' }])), { whiteouts: 'delete' });
  assert.equal((await lstat(path.join(root, 'pw2'))).isSymbolicLink(), true);
  assert.equal((await stat('/etc/passwd')).nlink, before);
  await outsideUnchanged();
});

test('device nodes are refused unless allowed', async (t) => {
  const { root, outsideUnchanged } = await setup(t);
  const dev: PackEntry[] = [{ name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 }];
  await rejects(root, await packTar(dev), /device node "dev\/null" is not allowed/);
  await rejects(root, await packTar([{ name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }]), /device node "sda" is not allowed/);
  await rejects(root, await packTar([{ name: 'p', type: 'fifo' }]), /device node "p" is not allowed/);
  await applyTar(root, stream(await packTar(dev)), { whiteouts: 'delete', allowDevices: true });
  const s = await stat(path.join(root, 'dev', 'null'));
  assert.equal(s.isCharacterDevice(), true);
  assert.equal(s.rdev, 0x103);
  assert.equal(s.mode & 0o777, 0o666);
  await outsideUnchanged();
});

test('truncated archives, bad checksums and garbage are refused', async (t) => {
  const { root, outsideUnchanged } = await setup(t);
  const good = await packTar([{ name: 'a', content: 'x'.repeat(2000) }, { name: 'b', content: 'y' }]);
  await rejects(root, good.subarray(0, 512 + 1000), /unexpected end of archive in entry data/);
  await rejects(root, good.subarray(0, 300), /unexpected end of archive in header/);
  const bad = Buffer.from(good);
  bad[512 + 2048 + 10] = 0x41; // in the second header's name: its checksum no longer matches
  await rejects(root, bad, /checksum mismatch \(not a tar archive, or corrupted\) at offset 2560/);
  await rejects(root, randomBytes(4096), /checksum mismatch|not an octal number/);
  await rejects(root, Buffer.from('this is not a tar file at all\n'.repeat(40)), /invalid tar header/);
  await rejects(root, Buffer.concat([header({ name: 'x', type: 'S' }), EOF]), /unsupported entry type "S" for "x"/);
  await rejects(root, Buffer.concat([Buffer.alloc(512), header({ name: 'x' }), EOF]), /data after a single zero block/);
  await outsideUnchanged();
});

test('a long name via PAX cannot escape either', async (t) => {
  const { root, unique, outsideUnchanged } = await setup(t);
  const { pax } = await import('./test-util.js');
  const tar = Buffer.concat([pax([['path', `../../../${unique}`]]), header({ name: 'innocent', size: 3 }), data('bad'), EOF]);
  await rejects(root, tar, /path "..\/..\/..\/berth-test-escape-[0-9a-f]+" escapes/);
  await outsideUnchanged();
});

test('abort stops extraction promptly', async (t) => {
  const { root } = await setup(t);
  const { Readable } = await import('node:stream');
  const ac = new AbortController();
  // A tar whose second block never arrives.
  const endless = new Readable({ read() {} });
  endless.push(header({ name: 'big', size: 1 << 30 }));
  const p = applyTar(root, endless, { whiteouts: 'delete', signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(p, (err: Error) => err.name === 'AbortError');
  assert.equal(endless.destroyed, true);
});
