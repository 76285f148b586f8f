import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { InvalidParameter } from '../../engine/errors.js';
import { openTar } from './decompress.js';
import { loadArchive } from './load.js';
import { MemoryGraph } from './memory-graph.js';
import { writeArchive } from './save.js';
import { spoolArchive } from './spool.js';

type Member =
  | { name: string; body: Buffer | string }
  | { name: string; symlink: string }
  | { name: string; hardlink: string }
  | { name: string; dir: true };

async function tarOf(members: Member[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const m of members) {
    const mtime = new Date(0);
    if ('body' in m) pack.entry({ name: m.name, mtime, mode: 0o644 }, Buffer.from(m.body));
    else if ('symlink' in m) pack.entry({ name: m.name, mtime, type: 'symlink', linkname: m.symlink });
    else if ('hardlink' in m) pack.entry({ name: m.name, mtime, type: 'link', linkname: m.hardlink });
    else pack.entry({ name: m.name, mtime, type: 'directory', mode: 0o755 });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A docker-archive of one image whose layers are small tars; `mutate` can spoil it. */
async function archive(opts: { tag?: string | null; layers?: Buffer[]; diffIds?: string[]; extra?: Member[]; gzipLayers?: boolean; drop?: string } = {}) {
  const layers = opts.layers ?? [await tarOf([{ name: 'hello', body: 'world\n' }]), await tarOf([{ name: 'etc/motd', body: 'hi\n' }])];
  const diffIds = opts.diffIds ?? layers.map((l) => `sha256:${sha(l)}`);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } }, null, 1));
  const id = `sha256:${sha(config)}`;
  const members: Member[] = [{ name: `${id.slice(7)}.json`, body: config }];
  layers.forEach((l, i) => {
    members.push({ name: `l${i}/`, dir: true });
    if (`l${i}/layer.tar` !== opts.drop) members.push({ name: `l${i}/layer.tar`, body: opts.gzipLayers ? gzipSync(l) : l });
  });
  const tags = opts.tag === null ? null : [opts.tag ?? 'busybox:latest'];
  members.push({ name: 'manifest.json', body: JSON.stringify([{ Config: `${id.slice(7)}.json`, RepoTags: tags, Layers: layers.map((_, i) => `l${i}/layer.tar`) }]) });
  members.push(...(opts.extra ?? []));
  return { bytes: await tarOf(members), id, diffIds };
}

function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-archive-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function load(t: TestContext, graph: MemoryGraph, bytes: Buffer) {
  const root = join(scratch(t), 'spool');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(root);
  const dir = await spoolArchive(await openTar(Readable.from([bytes])), root);
  return { loaded: await loadArchive(graph, dir), root };
}

const is400 = (re: RegExp) => (err: unknown) => err instanceof InvalidParameter && re.test(err.message);

test('a docker-archive loads with the config\'s own ID, its layers and its tag', async (t) => {
  const g = new MemoryGraph();
  const a = await archive();
  const { loaded } = await load(t, g, a.bytes);
  assert.deepEqual(loaded, [{ id: a.id, tags: ['busybox:latest'], renamed: [] }]);
  assert.equal(g.resolve('busybox').id, a.id);
  assert.equal(g.layers.size, 2);
  assert.deepEqual([...g.layers.values()].map((l) => l.diffId), a.diffIds);
});

test('gzip-compressed layers and a gzip-compressed outer archive load too', async (t) => {
  const g = new MemoryGraph();
  const a = await archive({ gzipLayers: true });
  const { loaded } = await load(t, g, gzipSync(a.bytes));
  assert.equal(loaded[0]!.id, a.id);
});

test('moving a tag to the loaded image reports the image it was taken from', async (t) => {
  const g = new MemoryGraph();
  const first = await archive();
  await load(t, g, first.bytes);
  const second = await archive({ layers: [await tarOf([{ name: 'other', body: 'x' }])] });
  const { loaded } = await load(t, g, second.bytes);
  assert.deepEqual(loaded[0]!.renamed, [{ tag: 'busybox:latest', from: first.id }]);
  assert.equal(g.resolve('busybox:latest').id, second.id);
});

test('hostile member names are refused and nothing is written outside the spool', async (t) => {
  const outside = scratch(t);
  for (const evil of [`../${'x'}`, 'a/../../escape', '/etc/berth-test-absolute']) {
    const g = new MemoryGraph();
    const a = await archive({ extra: [{ name: evil, body: 'pwned' }] });
    await assert.rejects(load(t, g, a.bytes), is400(/invalid archive member name/), evil);
    assert.equal(g.images.size, 0);
  }
  assert.equal(existsSync('/etc/berth-test-absolute'), false);
  assert.deepEqual(readdirSync(outside), []);
});

test('links are followed inside the archive only, and never created on disk', async (t) => {
  const g = new MemoryGraph();
  const layer = await tarOf([{ name: 'f', body: 'shared' }]);
  const diff = `sha256:${sha(layer)}`;
  const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [diff, diff] } }));
  const cid = sha(config);
  // Layer two's tar is a symlink to layer one's, as some tools write shared layers.
  const bytes = await tarOf([
    { name: 'a/layer.tar', body: layer }, { name: 'b/layer.tar', symlink: '../a/layer.tar' }, { name: 'c', hardlink: 'a/layer.tar' },
    { name: `${cid}.json`, body: config },
    { name: 'manifest.json', body: JSON.stringify([{ Config: `${cid}.json`, RepoTags: null, Layers: ['a/layer.tar', 'b/layer.tar'] }]) },
  ]);
  const { loaded, root } = await load(t, g, bytes);
  assert.equal(loaded[0]!.id, `sha256:${cid}`);
  assert.equal(existsSync(join(root, 'b')), false);
  for (const target of ['/etc/passwd', '../../../etc/passwd']) {
    const evil = await archive({ extra: [{ name: 'evil', symlink: target }] });
    await assert.rejects(load(t, new MemoryGraph(), evil.bytes), is400(/outside the archive|leaves the archive/), target);
  }
  // A symlinked directory followed by a file "inside" it stays a plain directory in the spool.
  const through = await archive({ extra: [{ name: 'up', symlink: '.' }, { name: 'up/x', body: 'y' }] });
  const r = await load(t, new MemoryGraph(), through.bytes);
  assert.equal(existsSync(join(r.root, 'up', 'x')), true);
});

test('a manifest naming a missing layer, or a diff_id mismatch, is a 400 and adds no image', async (t) => {
  const g = new MemoryGraph();
  const missing = await archive({ drop: 'l1/layer.tar' });
  await assert.rejects(load(t, g, missing.bytes), is400(/layer l1\/layer.tar not found/));
  assert.equal(g.layers.size, 0, 'checked before any layer is written');
  const wrong = await archive({ diffIds: [`sha256:${'0'.repeat(64)}`, `sha256:${'1'.repeat(64)}`] });
  await assert.rejects(load(t, g, wrong.bytes), is400(/mismatch/));
  assert.equal(g.images.size, 0);
  // Only the second layer is wrong: the first, added by this load, goes again.
  const base = await archive();
  const half = await archive({ diffIds: [base.diffIds[0]!, `sha256:${'1'.repeat(64)}`] });
  await assert.rejects(load(t, g, half.bytes), is400(/mismatch/));
  assert.equal(g.layers.size, 0, 'the layer added for the failed image is released');
  await load(t, g, base.bytes);
  await assert.rejects(load(t, g, half.bytes), is400(/mismatch/));
  assert.equal(g.layers.size, 2, 'layers other images use stay');
  const short = await archive({ diffIds: [`sha256:${'0'.repeat(64)}`] });
  await assert.rejects(load(t, g, short.bytes), is400(/layers length mismatch: expected 1, got 2/));
});

test('garbage, empty and manifest-less input get clear 400s', async (t) => {
  const g = new MemoryGraph();
  await assert.rejects(load(t, g, Buffer.from('this is not a tar archive at all'.repeat(40))), is400(/invalid tar header/));
  await assert.rejects(load(t, g, Buffer.alloc(0)), is400(/invalid tar header/));
  await assert.rejects(load(t, g, await tarOf([{ name: 'x', body: 'y' }])), is400(/manifest.json not found/));
  await assert.rejects(load(t, g, await tarOf([{ name: 'repositories', body: '{}' }])), is400(/legacy format/));
  await assert.rejects(load(t, g, await tarOf([{ name: 'manifest.json', body: '{"not":"a list"}' }])), is400(/not a list/));
  await assert.rejects(load(t, g, await tarOf([{ name: 'a', body: 'file' }, { name: 'a/b', body: 'under a file' }])), is400(/conflicts/));
  await assert.rejects(load(t, g, await tarOf([{ name: 'd/x', body: 'y' }, { name: 'd', body: 'file over a dir' }])), is400(/conflicts/));
  const good = await archive();
  await assert.rejects(load(t, g, good.bytes.subarray(0, 1536)), is400(/invalid tar header|not found/));
});

for (const knowsTarSize of [true, false]) test(`save writes an archive that loads back with the same IDs, tags and layer bytes (tar sizes ${knowsTarSize ? 'known' : 'spooled'})`, async (t) => {
  const g = new MemoryGraph({ knowsTarSize });
  const a = await archive({ tag: 'example.com/me/app:v1' });
  await load(t, g, a.bytes);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const img = g.resolve(a.id);
  await writeArchive(g, [{ image: img, tags: ['example.com/me/app:v1'] }, { image: img, tags: [] }], out, { tmpDir: scratch(t) });
  const saved = Buffer.concat(chunks);

  // Its members as dockerd lays them out.
  const names: string[] = [];
  const files = new Map<string, Buffer>();
  const ex = tar.extract();
  const read = (async () => { for await (const e of ex) { names.push(e.header.name); const b: Buffer[] = []; for await (const c of e) b.push(c as Buffer); files.set(e.header.name, Buffer.concat(b)); } })();
  Readable.from([saved]).pipe(ex);
  await read;
  const manifest = JSON.parse(files.get('manifest.json')!.toString());
  assert.equal(manifest.length, 2);
  assert.deepEqual(manifest[0].RepoTags, ['example.com/me/app:v1']);
  assert.equal(manifest[1].RepoTags, null);
  assert.equal(manifest[0].Config, `${a.id.slice(7)}.json`);
  assert.equal(sha(files.get(manifest[0].Config)!), a.id.slice(7));
  for (const [i, l] of (manifest[0].Layers as string[]).entries()) {
    assert.equal(`sha256:${sha(files.get(l)!)}`, a.diffIds[i]);
    assert.equal(files.get(l.replace('layer.tar', 'VERSION'))!.toString(), '1.0');
    assert.equal(JSON.parse(files.get(l.replace('layer.tar', 'json'))!.toString()).id, l.split('/')[0]);
  }
  assert.deepEqual(Object.keys(JSON.parse(files.get('repositories')!.toString())), ['example.com/me/app']);

  const g2 = new MemoryGraph();
  const { loaded } = await load(t, g2, saved);
  assert.deepEqual(loaded.map((l) => l.id), [a.id, a.id]);
  assert.equal(g2.resolve('example.com/me/app:v1').id, a.id);
});

test('an OCI image layout loads: index → manifest → config and gzip layers, tags from annotations', async (t) => {
  const layer = await tarOf([{ name: 'oci-file', body: 'from an OCI layout\n' }]);
  const gz = gzipSync(layer);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha(gz)}`, size: gz.length }],
  }));
  const desc = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha(manifest)}`, size: manifest.length };
  const index = JSON.stringify({ schemaVersion: 2, manifests: [
    { ...desc, annotations: { 'io.containerd.image.name': 'docker.io/library/ocitest:v1', 'org.opencontainers.image.ref.name': 'v1' } },
    { ...desc, annotations: { 'org.opencontainers.image.ref.name': 'example.com/ocitest:v2' } },
  ] });
  const bytes = await tarOf([
    { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
    { name: `blobs/sha256/${sha(config)}`, body: config }, { name: `blobs/sha256/${sha(gz)}`, body: gz },
    { name: `blobs/sha256/${sha(manifest)}`, body: manifest }, { name: 'index.json', body: index },
  ]);
  const g = new MemoryGraph();
  const { loaded } = await load(t, g, bytes);
  assert.deepEqual(loaded, [{ id: `sha256:${sha(config)}`, tags: ['ocitest:v1', 'example.com/ocitest:v2'], renamed: [] }]);
  assert.equal(g.resolve('example.com/ocitest:v2').id, `sha256:${sha(config)}`);
  const bad = await tarOf([{ name: 'index.json', body: JSON.stringify({ manifests: [{ digest: 'sha256:../../etc/passwd' }] }) }]);
  await assert.rejects(load(t, new MemoryGraph(), bad), is400(/bad digest/));
});

test('bzip2 and xz outer archives load; corrupt compressed input is a 400', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const a = await archive();
  for (const tool of ['bzip2', 'xz']) {
    const g = new MemoryGraph();
    const { loaded } = await load(t, g, execFileSync(tool, ['-c'], { input: a.bytes }));
    assert.equal(loaded[0]!.id, a.id, tool);
  }
  const gz = gzipSync(a.bytes);
  await assert.rejects(load(t, new MemoryGraph(), gz.subarray(0, gz.length >> 1)), InvalidParameter);
  const corrupt = Buffer.concat([gz.subarray(0, 10), Buffer.alloc(2000, 0xab)]);
  await assert.rejects(load(t, new MemoryGraph(), corrupt), is400(/invalid gzip data|invalid tar header/));
  const xz = execFileSync('xz', ['-c'], { input: a.bytes });
  await assert.rejects(load(t, new MemoryGraph(), Buffer.concat([xz.subarray(0, 64), Buffer.alloc(500, 1)])), InvalidParameter);
});
