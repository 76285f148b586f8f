// Change lists of full-copy (vfs) and overlay layer dirs, and the layer tar of a
// change list applied back onto the parent giving the layer again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, lstat, lutimes, mkdir, readFile, readdir, readlink, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { applyTar } from './apply.js';
import { naiveChanges, overlayChanges, packChanges } from './changes.js';
import { haveXattrs, lsetxattr, mknod, S_IFCHR } from './sys.js';
import { collect, stream, tempDir } from './test-util.js';

async function parentTree(root: string): Promise<void> {
  await mkdir(path.join(root, 'etc/conf.d'), { recursive: true });
  await mkdir(path.join(root, 'var/lib/old'), { recursive: true });
  await mkdir(path.join(root, 'usr/bin'), { recursive: true });
  await writeFile(path.join(root, 'etc/hosts'), 'hosts');
  await writeFile(path.join(root, 'etc/conf.d/a'), 'a');
  await writeFile(path.join(root, 'var/lib/old/data'), 'old');
  await writeFile(path.join(root, 'usr/bin/tool'), 'tool');
  await writeFile(path.join(root, 'usr/bin/same'), 'same');
  await symlink('tool', path.join(root, 'usr/bin/link'));
}

/** Parent, then a `cp -a` copy of it changed the way a container would. */
async function layers(dir: string): Promise<{ parent: string; layer: string }> {
  const parent = path.join(dir, 'parent');
  const layer = path.join(dir, 'layer');
  await mkdir(parent);
  await parentTree(parent);
  // Tars carry whole seconds: keep every time whole so the round trip can compare exactly.
  execFileSync('find', [parent, '-exec', 'touch', '-h', '-d', '@1500000000', '{}', '+']);
  execFileSync('cp', ['-a', parent, layer]);
  await writeFile(path.join(layer, 'etc/hosts'), 'changed hosts');
  await writeFile(path.join(layer, 'etc/conf.d/new'), 'new');
  await rm(path.join(layer, 'var/lib/old'), { recursive: true });
  await chmod(path.join(layer, 'usr/bin/tool'), 0o700);
  await unlink(path.join(layer, 'usr/bin/link'));
  await symlink('same', path.join(layer, 'usr/bin/link'));
  await mkdir(path.join(layer, 'opt/app'), { recursive: true });
  await writeFile(path.join(layer, 'opt/app/run'), 'run');
  for (const p of ['etc/hosts', 'etc/conf.d/new', 'usr/bin/link', 'opt/app/run']) {
    const s = await lstat(path.join(layer, p));
    await lutimes(path.join(layer, p), 1_600_000_000, Math.floor(s.mtimeMs / 1000));
  }
  return { parent, layer };
}

test('naiveChanges lists what docker diff shows', async (t) => {
  const { parent, layer } = await layers(await tempDir(t));
  const list = (await naiveChanges(layer, parent)).map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
  assert.deepEqual(list, [
    'C /etc',
    'C /etc/conf.d',
    'A /etc/conf.d/new',
    'C /etc/hosts',
    'A /opt',
    'A /opt/app',
    'A /opt/app/run',
    'C /usr',
    'C /usr/bin',
    'C /usr/bin/link',
    'C /usr/bin/tool',
    'C /var',
    'C /var/lib',
    'D /var/lib/old',
  ]);
  const all = await naiveChanges(parent, null);
  assert.equal(all.length, 13);
  assert.ok(all.every((c) => c.Kind === 1));
});

test('packChanges onto the parent gives the layer back', async (t) => {
  const dir = await tempDir(t);
  const { parent, layer } = await layers(dir);
  const tar = await collect(packChanges(layer, await naiveChanges(layer, parent)));
  const names = execFileSync('tar', ['-t'], { input: tar }).toString().trim().split('\n');
  assert.ok(names.includes('var/lib/.wh.old') && names.includes('opt/') && names.includes('opt/app/run'), names.join());
  assert.ok(!names.includes('usr/bin/same'), 'unchanged files stay out');
  const copy = path.join(dir, 'copy');
  execFileSync('cp', ['-a', parent, copy]);
  await applyTar(copy, stream(tar), { whiteouts: 'delete' });
  assert.deepEqual(await naiveChanges(copy, layer), []);
  assert.equal(await readFile(path.join(copy, 'etc/hosts'), 'utf8'), 'changed hosts');
  assert.equal(await readlink(path.join(copy, 'usr/bin/link')), 'same');
  assert.equal(await lstat(path.join(copy, 'var/lib/old')).catch(() => null), null);
});

test('overlayChanges reads whiteouts, opaque dirs and lower layers', async (t) => {
  const diff = path.join(await tempDir(t), 'diff');
  await mkdir(path.join(diff, 'etc'), { recursive: true });
  await writeFile(path.join(diff, 'etc/hosts'), 'x');
  await writeFile(path.join(diff, 'etc/new'), 'x');
  await mknod(path.join(diff, 'etc/gone'), S_IFCHR, 0, 0);
  await mkdir(path.join(diff, 'tmp/cache'), { recursive: true });
  await writeFile(path.join(diff, 'tmp/cache/f'), 'x');
  const opaque = await haveXattrs();
  if (opaque) await lsetxattr(path.join(diff, 'tmp/cache'), 'trusted.overlay.opaque', Buffer.from('y'));
  const lower = new Set(['/etc', '/etc/hosts', '/etc/gone', '/tmp', '/tmp/cache']);
  const list = (await overlayChanges(diff, (p) => lower.has(p))).map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
  assert.deepEqual(list, ['C /etc', 'D /etc/gone', 'C /etc/hosts', 'A /etc/new', 'C /tmp', `${opaque ? 'D' : 'C'} /tmp/cache`, 'A /tmp/cache/f']);
  assert.deepEqual((await overlayChanges(diff)).map((c) => c.Kind), [1, 2, 1, 1, 1, 1, 1]);
  assert.deepEqual(await readdir(diff), ['etc', 'tmp']);
});
