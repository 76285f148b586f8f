import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { defaultConfig } from '../../engine/config.js';
import { Engine } from '../../engine/engine.js';
import { EventBus } from '../../engine/events.js';
import { createLogger } from '../../engine/log.js';
import { MemoryGraph } from '../../graph/archive/memory-graph.js';
import type { JobContext } from '../../jobs/context.js';
import { imageImport } from '../../jobs/images/import.js';
import { imageLoad } from '../../jobs/images/load.js';
import { imageSave } from '../../jobs/images/save.js';
import { createApp } from '../app.js';
import { imagesArchiveRoutes } from './images-archive.js';
import { registryJobs } from '../../jobs/registry/index.js';
import { registryRoutes } from './registry.js';

const log = createLogger('error');
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function tarOf(files: [string, Buffer | string][]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const [name, body] of files) pack.entry({ name, mtime: new Date(0), mode: 0o644 }, Buffer.from(body));
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function fixture(tag = 'busybox:latest', extra: [string, string][] = [], content = 'hi\n') {
  const layer = await tarOf([['bin/hello', content]]);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'], Labels: { l: 'v' } }, rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] } }));
  const id = sha(config);
  const bytes = await tarOf([[`${id}.json`, config], ['x/layer.tar', layer], ...extra,
    ['manifest.json', JSON.stringify([{ Config: `${id}.json`, RepoTags: [tag], Layers: ['x/layer.tar'] }])]]);
  return { bytes, id: `sha256:${id}` };
}

interface Reply { status: number; headers: Record<string, unknown>; body: Buffer }

async function serve(t: TestContext) {
  const dataRoot = mkdtempSync(join(tmpdir(), 'berth-test-routes-'));
  t.after(() => rmSync(dataRoot, { recursive: true, force: true }));
  const graph = new MemoryGraph();
  const events = new EventBus();
  const ctx = { config: { ...defaultConfig, dataRoot }, events, log, graph, startedAt: new Date() } as unknown as JobContext;
  const engine = new Engine(ctx, log);
  engine.install({ image_load: imageLoad, image_save: imageSave, image_import: imageImport, ...registryJobs });
  const server = createServer(createApp(engine, [...registryRoutes, ...imagesArchiveRoutes], { experimental: false, log })).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const port = (server.address() as AddressInfo).port;
  const call = (method: string, path: string, body?: Buffer) => new Promise<Reply>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/x-tar' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
  const scratch = () => { try { return readdirSync(join(dataRoot, 'tmp')); } catch { return []; } };
  return { call, graph, events, port, scratch };
}

const lines = (r: Reply) => r.body.toString().split('\r\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

test('POST /images/load answers dockerd\'s message stream and emits a load event', async (t) => {
  const { call, graph, events, scratch } = await serve(t);
  const f = await fixture();
  const r = await call('POST', '/v1.41/images/load?quiet=1', f.bytes);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.deepEqual(lines(r), [{ stream: 'Loaded image: busybox:latest\n' }]);
  assert.equal(graph.resolve('busybox').id, f.id);
  assert.deepEqual(events.past().map((e) => [e.Action, e.Actor.ID, e.Actor.Attributes]), [['load', f.id, { l: 'v', name: f.id }]]);
  // Not quiet: progress first; loading again moves nothing.
  const again = await call('POST', '/images/load', f.bytes);
  assert.deepEqual(lines(again).map((m) => m.stream ?? m.status), ['Loaded image: busybox:latest\n']);
  const other = await fixture('busybox:latest', [['y', 'z']]);
  const moved = await call('POST', '/images/load', (await fixture('other:1')).bytes);
  assert.equal(lines(moved).at(-1)!.stream, 'Loaded image: other:1\n');
  assert.equal(other.id, f.id, 'extra members do not change the image');
  assert.deepEqual(scratch(), [], 'the spool directory is gone');
});

test('without quiet, load reports each layer\'s progress as the CLI draws it', async (t) => {
  const { call } = await serve(t);
  const r = await call('POST', '/images/load', (await fixture('progress:1', [], 'x'.repeat(100_000))).bytes);
  const msgs = lines(r);
  const progress = msgs.filter((m) => m.status === 'Loading layer');
  assert.ok(progress.length >= 2);
  const last = progress.at(-1)!;
  const detail = last.progressDetail as { current: number; total: number };
  assert.equal(detail.current, detail.total);
  assert.ok(detail.total > 100_000);
  assert.match(String(last.progress), /^\[=+>\] /);
  assert.match(String(last.id), /^[0-9a-f]{12}$/);
  assert.deepEqual(msgs.at(-1), { stream: 'Loaded image: progress:1\n' });
});

test('garbage and hostile archives fail in the stream (200, then the error), as dockerd answers, and the daemon keeps serving', async (t) => {
  const { call, graph, scratch } = await serve(t);
  const failed = (r: Reply): string => {
    assert.equal(r.status, 200);
    const last = lines(r).at(-1)!;
    assert.equal(last.error, (last.errorDetail as { message: string }).message);
    return String(last.error);
  };
  assert.equal(failed(await call('POST', '/images/load', Buffer.from('no tar here '.repeat(100)))), 'Error processing tar file(exit status 1): archive/tar: invalid tar header');
  assert.equal(failed(await call('POST', '/images/load', Buffer.from('short'))), 'Error processing tar file(exit status 1): unexpected EOF');
  assert.equal(failed(await call('POST', '/images/load', Buffer.alloc(600))), 'Error processing tar file(exit status 1): unexpected EOF');
  assert.match(failed(await call('POST', '/images/load', Buffer.alloc(0))), /^open \/.*\/repositories: no such file or directory$/);
  assert.match(failed(await call('POST', '/images/load', (await fixture('busybox:latest', [['../../escape', 'x']])).bytes)), /invalid archive member name/);
  // Refused at its first member, with megabytes still unsent: the error still arrives.
  assert.match(failed(await call('POST', '/images/load', await tarOf([['/abs', 'x'], ['pad', Buffer.alloc(8 << 20)]]))), /absolute path/);
  assert.match(failed(await call('POST', '/images/load', await tarOf([['a', 'b']]))), /manifest.json not found/);
  assert.equal(graph.images.size, 0);
  assert.deepEqual(scratch(), []);
  const ok = await call('POST', '/images/load?quiet=1', (await fixture()).bytes);
  assert.equal(ok.status, 200);
});

test('a client that goes away mid-upload leaves no spool behind', async (t) => {
  const { port, scratch, call } = await serve(t);
  const f = await fixture();
  await new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/images/load', headers: { 'content-length': String(f.bytes.length * 4) } });
    req.on('error', () => resolve());
    req.write(f.bytes.subarray(0, 1024), () => setTimeout(() => { req.destroy(); resolve(); }, 100));
  });
  for (let i = 0; i < 50 && scratch().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(scratch(), []);
  assert.equal((await call('POST', '/images/load?quiet=1', f.bytes)).status, 200);
});

test('GET /images/{name}/get and /images/get?names= stream a loadable archive', async (t) => {
  const { call, events } = await serve(t);
  const f = await fixture('example.com/ns/app:v2');
  await call('POST', '/images/load?quiet=1', f.bytes);
  const one = await call('GET', '/images/example.com/ns/app:v2/get');
  assert.equal(one.status, 200);
  assert.equal(one.headers['content-type'], 'application/x-tar');
  const both = await call('GET', `/images/get?names=example.com/ns/app:v2&names=${f.id.slice(7, 19)}`);
  assert.equal(both.status, 200);
  assert.ok(events.past().some((e) => e.Action === 'save' && e.Actor.ID === f.id));
  const missing = await call('GET', '/images/nope:latest/get');
  assert.equal(missing.status, 404);
  // dockerd's reference store has the only say on a tagged name.
  assert.equal(JSON.parse(missing.body.toString()).message, 'reference does not exist');
  // What was saved loads into a fresh daemon with the same ID and tag.
  const fresh = await serve(t);
  const r = await fresh.call('POST', '/images/load?quiet=1', one.body);
  assert.deepEqual(lines(r), [{ stream: 'Loaded image: example.com/ns/app:v2\n' }]);
  assert.equal(fresh.graph.resolve('example.com/ns/app:v2').id, f.id);
  const manifest = await new Promise<unknown>((resolve) => {
    const ex = tar.extract();
    ex.on('entry', (h, s, next) => {
      if (h.name !== 'manifest.json') { s.resume(); s.on('end', next); return; }
      const c: Buffer[] = [];
      s.on('data', (d: unknown) => { c.push(d as Buffer); });
      s.on('end', () => { resolve(JSON.parse(Buffer.concat(c).toString())); next(); });
    });
    Readable.from([both.body]).pipe(ex);
  });
  assert.deepEqual((manifest as { RepoTags: unknown }[]).map((m) => m.RepoTags), [['example.com/ns/app:v2']]);
});

test('POST /images/create?fromSrc=- imports a tar with changes, tag and message', async (t) => {
  const { call, graph, events } = await serve(t);
  const rootfs = await tarOf([['etc/hostname', 'x\n']]);
  const q = new URLSearchParams([['fromSrc', '-'], ['repo', 'imported'], ['tag', 'v1'], ['changes', 'CMD echo hi'], ['changes', 'ENV A=1'], ['message', 'from test']]);
  const r = await call('POST', `/images/create?${q}`, rootfs);
  assert.equal(r.status, 200);
  const [msg] = lines(r);
  assert.match(String(msg!.status), /^sha256:[0-9a-f]{64}$/);
  const img = graph.resolve('imported:v1');
  assert.equal(img.id, msg!.status);
  assert.deepEqual(img.config.config?.Cmd, ['/bin/sh', '-c', 'echo hi']);
  assert.equal(img.config.comment, 'from test');
  assert.deepEqual(img.config.rootfs.diff_ids, [`sha256:${sha(rootfs)}`]);
  assert.deepEqual(events.past().map((e) => [e.Action, e.Actor.Attributes.name]), [['tag', 'imported:v1'], ['import', img.id]]);
  // gzip-compressed input, no message: dockerd's default comment.
  const { gzipSync } = await import('node:zlib');
  const gz = await call('POST', '/images/create?fromSrc=-&repo=gz', gzipSync(rootfs));
  assert.equal(gz.status, 200);
  assert.equal(graph.resolve('gz:latest').config.comment, 'Imported from -');
});

test('import refuses bad changes, garbage and bad pull names with the right status', async (t) => {
  const { call, graph } = await serve(t);
  const rootfs = await tarOf([['a', 'b']]);
  const bad = await call('POST', '/images/create?fromSrc=-&changes=RUN%20rm%20-rf%20%2F', rootfs);
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.body.toString()).message, 'run is not a valid change command');
  // Refused before the body is read, even a large one: the 400 still reaches the client.
  const bigBad = await call('POST', '/images/create?fromSrc=-&changes=FROM%20x', Buffer.alloc(8 << 20));
  assert.equal(bigBad.status, 400);
  assert.equal(JSON.parse(bigBad.body.toString()).message, 'from is not a valid change command');
  const garbage = await call('POST', '/images/create?fromSrc=-', Buffer.from('garbage'.repeat(200)));
  assert.equal(garbage.status, 400);
  assert.match(JSON.parse(garbage.body.toString()).message, /^Error processing tar file\(exit status 1\): archive\/tar: invalid tar header$/);
  // fromImage is a pull (the registry area's); a bad name is refused before any network.
  const pull = await call('POST', '/images/create?fromImage=Bad&tag=latest');
  assert.equal(pull.status, 400);
  assert.match(JSON.parse(pull.body.toString()).message, /invalid reference format: repository name must be lowercase/);
  assert.equal(graph.images.size, 0);
});

test('POST /images/create?fromSrc=URL: the daemon GETs the tar, with dockerd\'s lines and errors', async (t) => {
  const { call, graph } = await serve(t);
  const rootfs = await tarOf([['etc/hostname', 'x\n']]);
  const server = createServer((req, res) => {
    if (req.url === '/x.tar') return res.end(rootfs);
    if (req.url === '/moved') { res.writeHead(302, { Location: '/x.tar' }); return res.end(); }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('nothing here\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  // No scheme: http://, as dockerd adds it; redirects followed.
  const r = await call('POST', `/images/create?fromSrc=${encodeURIComponent(`${base}/moved`)}&repo=fromurl`, Buffer.from('ignored'));
  assert.equal(r.status, 200, r.body.toString());
  const msgs = lines(r);
  assert.equal(msgs[0]!.status, `Downloading from http://${base}/moved`);
  assert.equal(msgs.at(-2)!.status, 'Importing');
  assert.deepEqual(msgs.at(-2)!.progressDetail, { current: rootfs.length, total: rootfs.length });
  const img = graph.resolve('fromurl:latest');
  assert.equal(img.id, msgs.at(-1)!.status);
  assert.equal(img.config.comment, `Imported from http://${base}/moved`);
  assert.deepEqual(img.config.rootfs.diff_ids, [`sha256:${sha(rootfs)}`]);
  const missing = await call('POST', `/images/create?fromSrc=${encodeURIComponent(`http://${base}/nope`)}`);
  assert.equal(missing.status, 404);
  assert.equal(JSON.parse(missing.body.toString()).message, `failed to GET http://${base}/nope with status 404 Not Found: nothing here`);
  // A port nobody listens on: Go's words, a 500 as dockerd's System error.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const gone = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const refused = await call('POST', `/images/create?fromSrc=${encodeURIComponent(`http://127.0.0.1:${gone}/x.tar`)}`);
  assert.equal(refused.status, 500);
  assert.equal(JSON.parse(refused.body.toString()).message, `Get "http://127.0.0.1:${gone}/x.tar": dial tcp 127.0.0.1:${gone}: connect: connection refused`);
});
