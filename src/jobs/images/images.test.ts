import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { defaultConfig } from '../../engine/config.js';
import { Engine } from '../../engine/engine.js';
import { kindOf } from '../../engine/errors.js';
import { EventBus } from '../../engine/events.js';
import { createLogger } from '../../engine/log.js';
import { configFor, fileTar, openGraph } from '../../graph/test-util.js';
import type { JobContext } from '../context.js';
import { imageJobs } from './index.js';

const log = createLogger('error');

/** An Engine with the image jobs over a real overlay-backed graph. */
async function setup(t: TestContext) {
  const { graph } = await openGraph(t);
  const events = new EventBus();
  const ctx: JobContext = { config: { ...defaultConfig }, store: graph.store, events, log, graph, startedAt: new Date() };
  const engine = new Engine(ctx, log);
  engine.install(imageJobs);
  /** An image of one layer with `content`, created at `created`, optionally on `parent`. */
  const image = async (content: string, created: string, opts: { parent?: string; labels?: Record<string, string> } = {}) => {
    const parentImg = opts.parent ? graph.getImage(opts.parent) : undefined;
    const l = await graph.createLayer(parentImg?.topLayer ?? null, Readable.from([await fileTar(content, content)]));
    const diffIds = [...(parentImg?.config.rootfs.diff_ids ?? []), l.diffId];
    return graph.createImage(configFor(diffIds, { created, config: { Cmd: ['sh'], Labels: opts.labels ?? null } }), opts).id;
  };
  return { engine, graph, events, image };
}

const kind = (k: string) => (e: unknown) => kindOf(e) === k;

test('tag, list and its filters', async (t) => {
  const { engine, events, image } = await setup(t);
  const a = await image('a', '2026-01-01T00:00:00Z', { labels: { team: 'x' } });
  const b = await image('b', '2026-02-01T00:00:00Z');
  const c = await image('c', '2026-03-01T00:00:00Z', { parent: b });
  await engine.job('image_tag', { name: a, repo: 'busybox', tag: '' });
  await engine.job('image_tag', { name: 'busybox', repo: 'localhost:5000/me/app', tag: 'v1' });
  await engine.job('image_tag', { name: c.slice(7, 19), repo: 'child', tag: '' });
  assert.deepEqual(events.past().map((e) => [e.Action, e.Actor.ID, e.Actor.Attributes.name]), [
    ['tag', a, 'busybox'], ['tag', a, 'localhost:5000/me/app:v1'], ['tag', c, 'child'],
  ]);
  assert.equal(events.past()[0]!.Actor.Attributes.team, 'x', 'image labels go into the attributes');
  await assert.rejects(engine.job('image_tag', { name: a, repo: 'UPPER/Case', tag: '' }),
    (e: Error) => kindOf(e) === 'invalid_parameter' && e.message === 'invalid reference format: repository name must be lowercase');
  await assert.rejects(engine.job('image_tag', { name: a, repo: 'ok', tag: 'bad tag' }), kind('invalid_parameter'));
  await assert.rejects(engine.job('image_tag', { name: 'nothere', repo: 'x', tag: '' }), kind('not_found'));

  const list = async (filters: Record<string, string[]> = {}, all = false) => engine.job('image_list', { all, digests: false, filters });
  // b is c's untagged parent: hidden unless `all`.
  assert.deepEqual((await list()).map((i) => i.Id), [c, a]);
  const everything = await list({}, true);
  assert.deepEqual(everything.map((i) => i.Id), [c, b, a]);
  assert.deepEqual(everything[1]!.RepoTags, ['<none>:<none>']);
  assert.deepEqual(everything[2]!.RepoTags, ['busybox:latest', 'localhost:5000/me/app:v1']);
  assert.equal(everything[0]!.ParentId, b);
  assert.equal(everything[2]!.Created, Date.parse('2026-01-01T00:00:00Z') / 1000);
  assert.ok(everything[0]!.Size > everything[1]!.Size, 'size covers the whole chain');
  assert.deepEqual((await list({ reference: ['busy*'] })).map((i) => i.RepoTags), [['busybox:latest']]);
  assert.deepEqual((await list({ label: ['team=x'] })).map((i) => i.Id), [a]);
  assert.deepEqual((await list({ before: ['child'] })).map((i) => i.Id), [a]);
  assert.deepEqual((await list({ since: ['busybox'] }, true)).map((i) => i.Id), [c, b]);
  assert.deepEqual((await list({ dangling: ['true'] })).map((i) => i.Id), []);
  await assert.rejects(list({ dangling: ['maybe'] }), kind('invalid_parameter'));
  await assert.rejects(list({ bogus: ['1'] }), (e: Error) => e.message === "Invalid filter 'bogus'");
});

test('rmi untags, deletes on the last reference, and refuses what dockerd refuses', async (t) => {
  const { engine, graph, events, image } = await setup(t);
  const a = await image('a', '2026-01-01T00:00:00Z');
  await engine.job('image_tag', { name: a, repo: 'one', tag: '' });
  await engine.job('image_tag', { name: a, repo: 'two', tag: '' });
  const rmi = (name: string, force = false, noprune = false) => engine.job('image_delete', { name, force, noprune });

  await assert.rejects(rmi(a.slice(7, 19)),
    (e: Error) => kindOf(e) === 'conflict' && e.message === `conflict: unable to delete ${a.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`);
  assert.deepEqual(await rmi('one'), [{ Untagged: 'one:latest' }]);
  const layer = graph.getImage(a).topLayer!;
  assert.deepEqual(await rmi('two'), [{ Untagged: 'two:latest' }, { Deleted: a }, { Deleted: layer }]);
  assert.ok(!graph.hasLayer(layer));
  assert.deepEqual(events.past().filter((e) => e.Type === 'image').map((e) => e.Action).slice(-3), ['untag', 'untag', 'delete']);
  await assert.rejects(rmi('two'), (e: Error) => kindOf(e) === 'not_found' && e.message === 'No such image: two:latest');

  // force by ID removes every tag; containers block it (hard when running).
  const b = await image('b', '2026-01-01T00:00:00Z');
  await engine.job('image_tag', { name: b, repo: 'x', tag: '' });
  await engine.job('image_tag', { name: b, repo: 'y', tag: '' });
  graph.usedBy = (id) => (id === b ? [{ id: 'c'.repeat(64), running: true }] : []);
  await assert.rejects(rmi(b, true), (e: Error) => e.message === `conflict: unable to delete ${b.slice(7, 19)} (cannot be forced) - image is being used by running container cccccccccccc`);
  graph.usedBy = (id) => (id === b ? [{ id: 'c'.repeat(64), running: false }] : []);
  assert.deepEqual(await rmi('x'), [{ Untagged: 'x:latest' }]);
  await assert.rejects(rmi('y'), (e: Error) => kindOf(e) === 'conflict' &&
    e.message === `conflict: unable to remove repository reference "y" (must force) - container cccccccccccc is using its referenced image ${b.slice(7, 19)}`);
  await assert.rejects(rmi(b), (e: Error) => e.message === `conflict: unable to delete ${b.slice(7, 19)} (must be forced) - image is being used by stopped container cccccccccccc`);
  // Forced, the last name goes; a running container keeps the image (quietly), a stopped one does not.
  graph.usedBy = (id) => (id === b ? [{ id: 'c'.repeat(64), running: true }] : []);
  await engine.job('image_tag', { name: b, repo: 'z', tag: '' });
  assert.deepEqual(await rmi('y'), [{ Untagged: 'y:latest' }]);
  assert.deepEqual(await rmi('z', true), [{ Untagged: 'z:latest' }]);
  assert.ok(graph.findImage(b));
  await engine.job('image_tag', { name: b, repo: 'y', tag: '' });
  graph.usedBy = () => [];
  const bLayer = graph.getImage(b).topLayer!;
  assert.deepEqual(await rmi(b, true), [{ Untagged: 'y:latest' }, { Deleted: b }, { Deleted: bLayer }]);
  assert.equal(graph.findImage(b), undefined);
});

test('rmi of a child deletes its untagged parent unless noprune; a parent with children cannot go', async (t) => {
  const { engine, graph, image } = await setup(t);
  const p = await image('p', '2026-01-01T00:00:00Z');
  const c = await image('c', '2026-01-02T00:00:00Z', { parent: p });
  await assert.rejects(engine.job('image_delete', { name: p, force: true, noprune: false }),
    (e: Error) => e.message === `conflict: unable to delete ${p.slice(7, 19)} (cannot be forced) - image has dependent child images`);
  await engine.job('image_tag', { name: c, repo: 'child', tag: '' });
  const out = await engine.job('image_delete', { name: 'child', force: false, noprune: false });
  assert.deepEqual(out.filter((r) => 'Deleted' in r).slice(0, 1), [{ Deleted: c }]);
  assert.ok(out.some((r) => 'Deleted' in r && r.Deleted === p), 'parent pruned');
  assert.equal(graph.imageCount(), 0);
  assert.equal(graph.layers.all().length, 0);

  const p2 = await image('p2', '2026-01-01T00:00:00Z');
  const c2 = await image('c2', '2026-01-02T00:00:00Z', { parent: p2 });
  await engine.job('image_delete', { name: c2, force: false, noprune: true });
  assert.ok(graph.findImage(p2), 'noprune keeps the parent');
});

test('prune removes dangling images by default, unused ones with dangling=false', async (t) => {
  const { engine, graph, image } = await setup(t);
  const tagged = await image('t', '2026-01-01T00:00:00Z');
  await engine.job('image_tag', { name: tagged, repo: 'keep', tag: '' });
  const dangling = await image('d', '2026-01-01T00:00:00Z', { labels: { a: '1' } });
  const size = graph.imageSize(graph.getImage(dangling));
  const r1 = await engine.job('image_prune', { filters: {} });
  assert.deepEqual(r1.ImagesDeleted?.[0], { Deleted: dangling });
  assert.equal(r1.SpaceReclaimed, size);
  assert.ok(graph.findImage(tagged));
  assert.deepEqual(await engine.job('image_prune', { filters: {} }), { ImagesDeleted: null, SpaceReclaimed: 0 });
  assert.deepEqual((await engine.job('image_prune', { filters: { dangling: ['false'], label: ['nope'] } })).ImagesDeleted, null);
  const r2 = await engine.job('image_prune', { filters: { dangling: ['false'], until: ['2026-06-01T00:00:00Z'] } });
  assert.deepEqual(r2.ImagesDeleted?.[0], { Untagged: 'keep:latest' });
  assert.equal(graph.imageCount(), 0);
  await assert.rejects(engine.job('image_prune', { filters: { before: ['x'] } }), kind('invalid_parameter'));
});

test('inspect and history have dockerd\'s shape', async (t) => {
  const { engine, graph, image } = await setup(t);
  const p = await image('p', '2026-01-01T00:00:00Z');
  const c = await image('c', '2026-01-02T00:00:00Z', { parent: p });
  await engine.job('image_tag', { name: c, repo: 'app', tag: 'v1' });
  const i = await engine.job('image_inspect', { name: 'app:v1' });
  assert.equal(i.Id, c);
  assert.deepEqual(i.RepoTags, ['app:v1']);
  assert.deepEqual(i.RepoDigests, []);
  assert.equal(i.Parent, p);
  assert.equal(i.Created, '2026-01-02T00:00:00Z');
  assert.equal(i.Os, 'linux');
  assert.deepEqual(i.Config?.Cmd, ['sh']);
  assert.equal(i.Config?.Env, null);
  assert.equal(i.ContainerConfig.Hostname, '');
  assert.equal(i.GraphDriver.Name, graph.driver.name);
  assert.deepEqual(i.RootFS, { Type: 'layers', Layers: graph.getImage(c).config.rootfs.diff_ids });
  assert.equal(i.Size, graph.imageSize(graph.getImage(c)));
  assert.notEqual(i.Metadata.LastTagTime, '0001-01-01T00:00:00Z');
  const h = await engine.job('image_history', { name: 'app:v1' });
  // configFor writes one history entry per layer: two for the child, newest first.
  assert.deepEqual(h.map((r) => [r.Id, r.CreatedBy, r.Tags]), [[c, 'step 1', ['app:v1']], [p, 'step 0', null]]);
  assert.equal(h[0]!.Size, graph.getLayer(graph.getImage(c).topLayer!).size);
  await assert.rejects(engine.job('image_inspect', { name: 'nothere' }), kind('not_found'));
});

test('digest references: resolved, listed, removed with the last tag of their repository, pruned when alone', async (t) => {
  const { engine, graph, image } = await setup(t);
  const a = await image('a', '2026-01-01T00:00:00Z');
  const digest = `sha256:${'d'.repeat(64)}`;
  graph.tag(a, `busybox@${digest}`);
  await engine.job('image_tag', { name: a, repo: 'busybox', tag: '' });
  assert.equal(graph.resolve(`busybox@${digest}`).id, a);
  assert.equal(graph.resolve(`docker.io/library/busybox:whatever@${digest}`).id, a);
  assert.deepEqual((await engine.job('image_inspect', { name: 'busybox' })).RepoDigests, [`busybox@${digest}`]);
  const [row] = await engine.job('image_list', { all: false, digests: true, filters: {} });
  assert.deepEqual([row!.RepoTags, row!.RepoDigests], [['busybox:latest'], [`busybox@${digest}`]]);
  await assert.rejects(engine.job('image_tag', { name: a, repo: `x@${digest}`, tag: '' }), kind('invalid_parameter'));
  const out = await engine.job('image_delete', { name: 'busybox', force: false, noprune: false });
  assert.deepEqual(out.slice(0, 3), [{ Untagged: 'busybox:latest' }, { Untagged: `busybox@${digest}` }, { Deleted: a }]);

  const b = await image('b', '2026-01-01T00:00:00Z');
  graph.tag(b, `app@${digest}`);
  const [only] = await engine.job('image_list', { all: false, digests: true, filters: { dangling: ['true'] } });
  assert.deepEqual([only!.Id, only!.RepoTags, only!.RepoDigests], [b, null, [`app@${digest}`]]);
  const pruned = await engine.job('image_prune', { filters: {} });
  assert.deepEqual(pruned.ImagesDeleted?.slice(0, 2), [{ Untagged: `app@${digest}` }, { Deleted: b }]);
});
