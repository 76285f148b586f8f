/**
 * One suite over every graphdriver: each test runs for each driver whose `init`
 * accepts this host, and is skipped with the driver's reason otherwise (aufs here).
 * Real mounts, real files, real tars; every test has its own home under /tmp
 * (the root filesystem: overlay cannot use an overlay or tmpfs-without-xattr upper)
 * and removes its mounts and files afterwards, even when it fails.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';
import { MNT_DETACH, umount2 } from '../../libcontainer/native.js';
import { kindOf } from '../../engine/errors.js';
import { mountsUnder, isMountPoint } from './common/fs.js';
import { NotSupported, type Change, type DriverInit, type GraphDriver } from './types.js';
import { init as overlay } from './overlay/index.js';
import { init as aufs } from './aufs/index.js';
import { init as vfs } from './vfs/index.js';

const DRIVERS: [string, DriverInit][] = [['overlay', overlay], ['aufs', aufs], ['vfs', vfs]];

/** A started driver in a fresh home that is torn down after the test; null when skipped. */
async function setup(t: TestContext, init: DriverInit): Promise<GraphDriver | null> {
  const root = mkdtempSync('/tmp/berth-test-graph-');
  let driver: GraphDriver | null = null;
  t.after(async () => {
    await driver?.cleanup().catch(() => undefined);
    for (const m of mountsUnder(root).reverse()) umount2(m, MNT_DETACH);
    rmSync(root, { recursive: true, force: true });
  });
  try {
    driver = await init(join(root, 'home'), []);
  } catch (err) {
    if (!(err instanceof NotSupported)) throw err;
    t.skip(err.message);
    return null;
  }
  return driver;
}

type Entry = { name: string; mtime?: number; type?: 'file' | 'directory' | 'symlink' | 'link'; content?: string; mode?: number; uid?: number; gid?: number; linkname?: string };

/** A layer tar built with tar-stream (not with the code under test). */
async function layerTar(entries: Entry[]): Promise<Readable> {
  const p = tarPack();
  for (const e of entries) {
    const type = e.type ?? (e.name.endsWith('/') ? 'directory' : 'file');
    const header = { name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: new Date((e.mtime ?? 1_700_000_000) * 1000), ...(e.linkname ? { linkname: e.linkname } : {}) };
    await new Promise<void>((resolve, reject) => p.entry(header, type === 'file' ? e.content ?? '' : '', (err) => (err ? reject(err) : resolve())));
  }
  p.finalize();
  return Readable.from(p);
}

async function collect(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** The tree under `dir` as `path type mode uid:gid content|target` lines, for comparing views. */
async function snapshot(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(dir, rel))).sort()) {
    const p = `${rel}/${name}`;
    const st = await lstat(join(dir, p));
    const head = `${p} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
    if (st.isDirectory()) out.push(`${head} dir`, ...(await snapshot(dir, p)));
    else if (st.isSymbolicLink()) out.push(`${head} -> ${await readlink(join(dir, p))}`);
    else out.push(`${head} = ${await readFile(join(dir, p), 'utf8')}`);
  }
  return out;
}

// The 3-layer chain: layer 2 modifies a.txt, deletes del.txt, makes opq/ opaque and
// adds opq/new; layer 3 adds files, one in an existing dir.
const LAYER1: Entry[] = [
  { name: 'a.txt', content: 'one' },
  { name: 'del.txt', content: 'doomed' },
  { name: 'dir/' },
  { name: 'dir/keep', content: 'k', uid: 1000, gid: 1000, mode: 0o600 },
  { name: 'dir/link', type: 'symlink', linkname: 'keep' },
  { name: 'opq/' },
  { name: 'opq/old', content: 'hidden later' },
];
// a.txt keeps its size: only its later mtime tells a full-tree compare (vfs) that it
// changed, exactly as in dockerd.
const LAYER2: Entry[] = [
  { name: 'a.txt', content: 'two', mtime: 1_700_000_100 },
  { name: '.wh.del.txt' },
  { name: 'opq/' },
  { name: 'opq/.wh..wh..opq' },
  { name: 'opq/new', content: 'n' },
];
const LAYER3: Entry[] = [
  { name: 'c.txt', content: 'three' },
  { name: 'dir/' },
  { name: 'dir/added', content: 'added!' },
];
const VIEW3 = [
  '/a.txt 644 0:0 = two',
  '/c.txt 644 0:0 = three',
  '/dir 755 0:0 dir',
  '/dir/added 644 0:0 = added!',
  '/dir/keep 600 1000:1000 = k',
  '/dir/link 777 0:0 -> keep',
  '/opq 755 0:0 dir',
  '/opq/new 644 0:0 = n',
];

/** Build the chain L1 <- L2 <- L3 under the given ids. */
async function buildChain(d: GraphDriver, ids: string[], layers: (Entry[] | Buffer)[]): Promise<void> {
  for (let i = 0; i < ids.length; i++) {
    await d.create(ids[i]!, i === 0 ? null : ids[i - 1]!);
    const l = layers[i]!;
    await d.applyDiff(ids[i]!, Buffer.isBuffer(l) ? Readable.from([l]) : await layerTar(l));
  }
}

/** Symlink modes differ between filesystems' lstat (0777) and tar (whatever); compare without them. */
function normaliseLinks(lines: string[]): string[] {
  return lines.map((l) => l.replace(/^(\S+) \d+ (\S+ -> )/, '$1 777 $2'));
}

async function view(d: GraphDriver, id: string): Promise<string[]> {
  const path = await d.get(id);
  try {
    return normaliseLinks(await snapshot(path));
  } finally {
    await d.put(id);
  }
}

function has(changes: Change[], Path: string, Kind: Change['Kind']): boolean {
  return changes.some((c) => c.Path === Path && c.Kind === Kind);
}

for (const [name, init] of DRIVERS) {
  test(`${name}: create, exists, list, remove and their errors`, async (t) => {
    const d = await setup(t, init);
    if (!d) return;
    assert.deepEqual(await d.list(), []);
    await d.create('base', null);
    await d.create('child', 'base');
    assert.ok(d.exists('base') && d.exists('child') && !d.exists('nope'));
    assert.deepEqual(await d.list(), ['base', 'child']);
    await assert.rejects(d.create('base', null), (e) => kindOf(e) === 'conflict');
    await assert.rejects(d.create('orphan', 'nope'), (e) => kindOf(e) === 'not_found');
    assert.ok(!d.exists('orphan'));
    for (const bad of ['../escape', 'a/b', '.', '..', '', 'l']) {
      await assert.rejects(d.create(bad, null), (e) => kindOf(e) === 'invalid_parameter', `id ${JSON.stringify(bad)}`);
      assert.ok(!d.exists(bad));
    }
    assert.deepEqual((await readdir(d.home)).filter((e) => e.includes('escape')), []);
    await d.remove('child');
    assert.ok(!d.exists('child'));
    assert.deepEqual(await d.list(), ['base']);
    await assert.rejects(d.remove('child'), (e) => kindOf(e) === 'not_found');
    await assert.rejects(d.get('nope'), (e) => kindOf(e) === 'not_found');
  });

  test(`${name}: get and put are counted; the last put unmounts`, async (t) => {
    const d = await setup(t, init);
    if (!d) return;
    await buildChain(d, ['l1', 'l2'], [LAYER1, LAYER2]);
    const p1 = await d.get('l2');
    const mounts = isMountPoint(p1);
    if (name !== 'vfs') assert.ok(mounts, `${name} mounts a layer with a parent`);
    assert.equal(await d.get('l2'), p1, 'a second get returns the same path');
    await d.put('l2');
    assert.equal(isMountPoint(p1), mounts, 'still mounted after one of two puts');
    assert.equal(await readFile(join(p1, 'a.txt'), 'utf8'), 'two');
    await assert.rejects(d.remove('l2'), (e) => kindOf(e) === 'conflict', 'a got layer cannot be removed');
    await d.put('l2');
    assert.ok(!isMountPoint(p1), 'unmounted after the last put');
    assert.deepEqual(mountsUnder(d.home), []);
    const base = await d.get('l1');
    assert.equal(await readFile(join(base, 'a.txt'), 'utf8'), 'one');
    await d.put('l1');
    await d.remove('l2');
    await d.remove('l1');
    assert.deepEqual(await d.list(), []);
  });

  test(`${name}: concurrent gets of one layer mount once and count every call`, async (t) => {
    const d = await setup(t, init);
    if (!d) return;
    await buildChain(d, ['l1', 'l2'], [LAYER1, LAYER2]);
    const paths = await Promise.all([1, 2, 3, 4, 5].map(() => d.get('l2')));
    assert.equal(new Set(paths).size, 1);
    const mounted = isMountPoint(paths[0]!);
    if (name !== 'vfs') assert.equal(mountsUnder(d.home).filter((m) => m === paths[0]).length, 1, 'mounted exactly once');
    await Promise.all([1, 2, 3, 4].map(() => d.put('l2')));
    assert.equal(isMountPoint(paths[0]!), mounted, 'one get still outstanding');
    await d.put('l2');
    assert.ok(!isMountPoint(paths[0]!));
  });

  test(`${name}: applyDiff records tar-split and assemble replays the tar byte for byte`, async (t) => {
    const d = await setup(t, init);
    if (!d || !d.assemble) return;
    const dir = mkdtempSync('/tmp/berth-test-split-');
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const layers = [LAYER1, LAYER2, LAYER3];
    for (let i = 0; i < layers.length; i++) {
      const id = `l${i + 1}`;
      const tar = await collect(await layerTar(layers[i]!));
      await d.create(id, i === 0 ? null : `l${i}`);
      const splitFile = join(dir, `${id}.split`);
      await d.applyDiff(id, Readable.from([tar]), { split: createWriteStream(splitFile) });
      const again = await collect(d.assemble(id, createReadStream(splitFile)));
      assert.ok(again.equals(tar), `layer ${id}: ${again.length} bytes replayed, ${tar.length} applied`);
    }
  });

  test(`${name}: a 3-layer chain with a whiteout and an opaque dir shows the right view`, async (t) => {
    const d = await setup(t, init);
    if (!d) return;
    await buildChain(d, ['l1', 'l2', 'l3'], [LAYER1, LAYER2, LAYER3]);
    assert.deepEqual(await view(d, 'l3'), VIEW3);
    const v2 = await view(d, 'l2');
    assert.ok(!v2.some((l) => l.startsWith('/del.txt') || l.startsWith('/opq/old')), 'deleted and hidden paths are gone');
    assert.ok(v2.includes('/opq/new 644 0:0 = n'));
    assert.ok((await view(d, 'l1')).includes('/opq/old 644 0:0 = hidden later'), 'the lower layer is untouched');
  });

  test(`${name}: changes lists what each layer adds, modifies and deletes`, async (t) => {
    const d = await setup(t, init);
    if (!d) return;
    await buildChain(d, ['l1', 'l2', 'l3'], [LAYER1, LAYER2, LAYER3]);
    const c1 = await d.changes('l1');
    assert.ok(c1.length >= 7 && c1.every((c) => c.Kind === 1), `a base layer only adds: ${JSON.stringify(c1)}`);
    const c2 = await d.changes('l2');
    assert.ok(has(c2, '/a.txt', 0), 'a.txt modified');
    assert.ok(has(c2, '/del.txt', 2), 'del.txt deleted');
    assert.ok(has(c2, '/opq/new', 1), 'opq/new added');
    // dockerd reports an opaque overlay dir as deleted (then its new content added);
    // drivers that compare full trees report the hidden file deleted instead.
    assert.ok(has(c2, '/opq', 2) || has(c2, '/opq/old', 2), `opq/old hidden: ${JSON.stringify(c2)}`);
    assert.ok(!c2.some((c) => c.Path.startsWith('/dir')), 'dir/ untouched by layer 2');
    const c3 = await d.changes('l3');
    assert.ok(has(c3, '/c.txt', 1) && has(c3, '/dir/added', 1) && has(c3, '/dir', 0), JSON.stringify(c3));
    assert.ok(!c3.some((c) => c.Kind === 2));
    assert.ok((await d.diffSize('l3')) >= 'three'.length + 'added!'.length);
  });

  test(`${name}: diff of each layer round-trips into a fresh chain`, async (t) => {
    const d = await setup(t, init);
    if (!d) return;
    await buildChain(d, ['l1', 'l2', 'l3'], [LAYER1, LAYER2, LAYER3]);
    const tars: Buffer[] = [];
    for (const id of ['l1', 'l2', 'l3']) tars.push(await collect(await d.diff(id)));
    await buildChain(d, ['r1', 'r2', 'r3'], tars);
    for (const [a, b] of [['l1', 'r1'], ['l2', 'r2'], ['l3', 'r3']] as const) assert.deepEqual(await view(d, b), await view(d, a));
    assert.deepEqual(await view(d, 'r3'), VIEW3);
  });

  test(`${name}: cleanup unmounts everything`, async (t) => {
    const d = await setup(t, init);
    if (!d) return;
    await buildChain(d, ['l1', 'l2', 'l3'], [LAYER1, LAYER2, LAYER3]);
    await d.get('l2');
    await d.get('l3');
    await d.get('l3');
    await d.cleanup();
    assert.deepEqual(mountsUnder(d.home), []);
    // The driver is usable again after cleanup (a restart's state).
    const p = await d.get('l3');
    assert.equal(await readFile(join(p, 'c.txt'), 'utf8'), 'three');
    await d.put('l3');
    assert.deepEqual(mountsUnder(d.home), []);
  });
}

test('overlay: status and metadata describe the layout', async (t) => {
  const d = await setup(t, overlay);
  if (!d) return;
  await d.create('l1', null);
  await d.create('l2', 'l1');
  const status = new Map(d.status());
  assert.equal(status.get('Backing Filesystem'), 'extfs');
  assert.equal(status.get('Native Overlay Diff'), 'true');
  const m = d.metadata('l2');
  assert.equal(m.LowerDir, join(d.home, 'l1', 'diff'));
  assert.equal(m.UpperDir, join(d.home, 'l2', 'diff'));
  assert.equal(m.WorkDir, join(d.home, 'l2', 'work'));
  assert.equal(m.MergedDir, join(d.home, 'l2', 'merged'));
  assert.equal(d.metadata('l1').LowerDir, undefined);
});

test('overlay: a 120-layer chain mounts although its absolute lowerdir list passes a page', async (t) => {
  const d = await setup(t, overlay);
  if (!d) return;
  const depth = 120;
  for (let i = 0; i < depth; i++) {
    await d.create(`layer${i}`, i === 0 ? null : `layer${i - 1}`);
    await d.applyDiff(`layer${i}`, await layerTar([{ name: `f${i}`, content: String(i) }]));
  }
  const top = `layer${depth - 1}`;
  assert.ok(d.metadata(top).LowerDir!.length > 4096, 'the absolute list alone would not fit');
  const p = await d.get(top);
  try {
    assert.ok(isMountPoint(p));
    assert.equal((await readdir(p)).length, depth);
    assert.equal(await readFile(join(p, 'f0'), 'utf8'), '0');
    assert.equal(await readFile(join(p, `f${depth - 1}`), 'utf8'), String(depth - 1));
  } finally {
    await d.put(top);
  }
  assert.ok(!isMountPoint(p));
  await assert.rejects(d.create('too-deep', top).then(() => d.create('too-deep2', 'too-deep'))
    .then(async () => { for (let i = 0; i < 10; i++) await d.create(`deeper${i}`, i === 0 ? 'too-deep2' : `deeper${i - 1}`); }),
  (e) => kindOf(e) === 'invalid_parameter', 'chains stop at 128 layers as in dockerd');
});
