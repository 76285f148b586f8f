import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { InvalidParameter, NotFound } from '../engine/errors.js';
import { configFor, fileTar, openGraph } from './test-util.js';
import { chainIdOf } from './layers.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('createLayer computes diffID and chainID while the driver unpacks', async (t) => {
  const { graph } = await openGraph(t);
  const tar1 = await fileTar('a', 'one');
  const tar2 = await fileTar('b', 'two');
  const l1 = await graph.createLayer(null, Readable.from([tar1]));
  assert.equal(l1.diffId, sha(tar1));
  assert.equal(l1.chainId, l1.diffId);
  assert.ok(l1.size > 0);
  const l2 = await graph.createLayer(l1.chainId, Readable.from([tar2]), { expectDiffId: sha(tar2) });
  assert.equal(l2.chainId, chainIdOf(l1.chainId, sha(tar2)));
  assert.equal(l2.parent, l1.chainId);
  assert.ok(graph.driver.exists(l2.cacheId));
  // The same layer again is not unpacked twice.
  const again = await graph.createLayer(l1.chainId, Readable.from([tar2]), { expectDiffId: sha(tar2) });
  assert.equal(again.cacheId, l2.cacheId);
});

test('layerTar replays the applied tar byte for byte (same diffID)', async (t) => {
  const { graph } = await openGraph(t);
  if (!graph.driver.assemble) {
    t.skip(`the ${graph.driver.name} driver does not replay tar-split records (GraphDriver.assemble) yet`);
    return;
  }
  const tar1 = await fileTar('a', 'one');
  // Trailing zero blocks beyond the end-of-archive marker belong to the diffID too.
  const tar2 = Buffer.concat([await fileTar('b', 'two'), Buffer.alloc(4096)]);
  const l1 = await graph.createLayer(null, Readable.from([tar1]));
  const l2 = await graph.createLayer(l1.chainId, Readable.from([tar2]), { expectDiffId: sha(tar2) });
  assert.equal(sha(await buffer(await graph.layerTar(l1.chainId))), sha(tar1));
  assert.equal(sha(await buffer(await graph.layerTar(l2.chainId))), sha(tar2));
});

test('a layer whose content does not match its diffID leaves nothing behind', async (t) => {
  const { graph, root } = await openGraph(t);
  const tar = await fileTar('a', 'one');
  await assert.rejects(graph.createLayer(null, Readable.from([tar]), { expectDiffId: sha('other') }), InvalidParameter);
  assert.equal(graph.layers.all().length, 0);
  assert.deepEqual(readdirSync(join(root, 'image', 'layerdb', 'tmp')), []);
  assert.deepEqual(await graph.driver.list(), []);
});

test('images: create, tag, resolve by name, digest, ID and prefix; delete releases layers', async (t) => {
  const { graph, root } = await openGraph(t);
  const tar = await fileTar('a', 'one');
  const l = await graph.createLayer(null, Readable.from([tar]));
  assert.throws(() => graph.createImage(configFor([sha('nope')])), InvalidParameter);
  const bytes = configFor([l.diffId]);
  const img = graph.createImage(bytes);
  assert.equal(img.id, sha(bytes));
  assert.equal(graph.createImage(bytes).id, img.id, 'idempotent');
  graph.tag(img.id, 'busybox');
  graph.tag(img.id, 'localhost:5000/a/b:v1');
  const hex = img.id.slice(7);
  for (const ref of ['busybox', 'busybox:latest', 'docker.io/library/busybox', 'localhost:5000/a/b:v1', img.id, hex, hex.slice(0, 5), `sha256:${hex.slice(0, 8)}`]) {
    assert.equal(graph.resolve(ref).id, img.id, ref);
  }
  assert.deepEqual(graph.resolve('busybox').tags, ['docker.io/library/busybox:latest', 'localhost:5000/a/b:v1']);
  assert.throws(() => graph.resolve('nothere'), (e: unknown) => e instanceof NotFound && e.message === 'No such image: nothere:latest');
  assert.throws(() => graph.resolve('busybox:1'), (e: unknown) => e instanceof NotFound && e.message === 'No such image: busybox:1');
  assert.throws(() => graph.resolve('UPPER/Case'), InvalidParameter);
  assert.equal(graph.imageSize(img), l.size);
  const removed = await graph.deleteImage(img.id);
  assert.deepEqual(removed.map((r) => r.chainId), [l.chainId]);
  assert.equal(graph.imageCount(), 0);
  assert.ok(!graph.driver.exists(l.cacheId));
  assert.ok(!existsSync(join(root, 'image', 'layerdb', 'sha256', l.chainId.slice(7))));
});

test('restore sweeps half-written layers and layers no image uses, and keeps the rest', async (t) => {
  const { graph, root, reopen } = await openGraph(t);
  const base = await graph.createLayer(null, Readable.from([await fileTar('a', 'one')]));
  const img = graph.createImage(configFor([base.diffId]));
  graph.tag(img.id, 'kept');
  // A half-loaded image: a layer with a row but no image, on top of the kept one.
  const orphan = await graph.createLayer(base.chainId, Readable.from([await fileTar('b', 'two')]));
  // A crash mid-extract: the intent dir and the driver dir, no row.
  const cacheId = 'f'.repeat(64);
  mkdirSync(join(root, 'image', 'layerdb', 'tmp', cacheId), { recursive: true });
  await graph.driver.create(cacheId, null);
  // A layer created by someone else in the driver (a container's) is not the graph's to sweep.
  await graph.driver.create('e'.repeat(64), base.cacheId);

  const g2 = await reopen();
  await g2.restore();
  assert.ok(g2.hasLayer(base.chainId));
  assert.ok(!g2.hasLayer(orphan.chainId));
  assert.ok(!g2.driver.exists(orphan.cacheId));
  assert.ok(!g2.driver.exists(cacheId));
  assert.ok(g2.driver.exists('e'.repeat(64)));
  assert.deepEqual(readdirSync(join(root, 'image', 'layerdb', 'tmp')), []);
  assert.equal(g2.resolve('kept').id, img.id);
  await g2.driver.remove('e'.repeat(64));
});

test('the same layer loaded twice at once is kept once', async (t) => {
  const { graph } = await openGraph(t);
  const tar = await fileTar('a', 'same');
  const [x, y] = await Promise.all([graph.createLayer(null, Readable.from([tar])), graph.createLayer(null, Readable.from([tar]))]);
  assert.equal(x.cacheId, y.cacheId);
  assert.equal(graph.layers.all().length, 1);
  assert.deepEqual(await graph.driver.list(), [x.cacheId]);
  assert.equal(sha(await buffer(await graph.layerTar(x.chainId))), sha(tar));
});

test('layers of a load in progress survive a concurrent rmi of an image sharing them', async (t) => {
  const { graph } = await openGraph(t);
  const base = await graph.createLayer(null, Readable.from([await fileTar('a', 'one')]));
  const first = graph.createImage(configFor([base.diffId]));
  // A second load is writing a layer on the same base when the first image goes.
  const tar = await fileTar('b', 'two');
  const stream = new PassThrough();
  const writing = graph.createLayer(base.chainId, stream);
  stream.write(tar.subarray(0, 512));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await graph.deleteImage(first.id), [], 'the base is pinned by the write');
  stream.end(tar.subarray(512));
  const upper = await writing;
  // A layer with no image yet is kept from release for a while too.
  const second = graph.createImage(configFor([base.diffId, upper.diffId]));
  const alone = await graph.createLayer(upper.chainId, Readable.from([await fileTar('c', 'three')]));
  assert.deepEqual((await graph.deleteImage(second.id)).map((l) => l.chainId), []);
  assert.ok(graph.hasLayer(alone.chainId) && graph.hasLayer(base.chainId));
  // Once an image holds them, they are released with it as usual.
  const third = graph.createImage(configFor([base.diffId, upper.diffId, alone.diffId]));
  assert.deepEqual((await graph.deleteImage(third.id)).map((l) => l.chainId), [alone.chainId, upper.chainId, base.chainId]);
});
