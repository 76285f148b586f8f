import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import tar from 'tar-stream';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { busyboxImage, layerTar, multiLayerImage } from '../helpers/fixtures.js';
import { referenceSkipReason, startReferenceDockerd } from './reference-dockerd.js';

/**
 * docker load / save / import through a real berth daemon and the real docker CLI
 * (28 and 20.10), and the same archives through the reference dockerd.
 */

async function ok(d: Pick<TestDaemon, 'docker'>, args: string[], input?: Buffer, cli?: string): Promise<string> {
  const r = await d.docker(args, { ...(input ? { input } : {}), ...(cli ? { cli } : {}) });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function imageId(d: Pick<TestDaemon, 'docker'>, name: string): Promise<string> {
  return (await ok(d, ['image', 'inspect', '--format', '{{.Id}}', name])).trim();
}

function scratchDirs(d: TestDaemon): string[] {
  const tmp = join(d.dir, 'data', 'tmp');
  return existsSync(tmp) ? readdirSync(tmp).filter((n) => n.startsWith('archive-')) : [];
}

test('docker load, save and import through berth with the docker CLIs', { timeout: 120_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const single = await busyboxImage();
  const multi = await multiLayerImage();

  assert.match(await ok(d, ['load', '-i', single.path]), /Loaded image: busybox:latest/);
  assert.equal(await imageId(d, 'busybox:latest'), single.id);
  assert.match(await ok(d, ['load', '-q'], readFileSync(multi.path), '/usr/bin/docker'), /Loaded image: busybox-multi:latest/);
  assert.equal(await imageId(d, multi.tag), multi.id);
  assert.match(await ok(d, ['images', '--format', '{{.Repository}}:{{.Tag}}']), /busybox-multi:latest/);

  // Save both, remove them, load the archive back: same IDs and tags; gzip works too.
  const out = join(d.dir, 'saved.tar');
  await ok(d, ['save', '-o', out, 'busybox:latest', multi.tag]);
  await ok(d, ['rmi', 'busybox:latest', multi.tag]);
  const reloaded = await ok(d, ['load'], gzipSync(readFileSync(out)));
  assert.match(reloaded, /Loaded image: busybox:latest/);
  assert.equal(await imageId(d, 'busybox:latest'), single.id);
  assert.equal(await imageId(d, multi.tag), multi.id);

  // import from stdin with changes, a tag and a message.
  const rootfs = await layerTar([{ type: 'file', name: 'hello.txt', mode: 0o644, content: 'hi\n' }]);
  const imported = (await ok(d, ['import', '--change', 'CMD ["/hello"]', '--change', 'ENV A=1', '-m', 'test import', '-', 'imported:v1'], rootfs)).trim();
  assert.match(imported, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await imageId(d, 'imported:v1'), imported);
  const cfg = JSON.parse(await ok(d, ['image', 'inspect', '--format', '{{json .Config}}', 'imported:v1']));
  assert.deepEqual(cfg.Cmd, ['/hello']);
  assert.deepEqual(cfg.Env, ['A=1']);
  assert.equal((await ok(d, ['image', 'inspect', '--format', '{{.Comment}}', 'imported:v1'])).trim(), 'test import');
  const bad = await d.docker(['import', '--change', 'RUN true', '-'], { input: rootfs });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /run is not a valid change command/);

  // Garbage in: a clear error, and the daemon keeps serving.
  const garbage = await d.docker(['load'], { input: Buffer.from('definitely not a tar '.repeat(100)) });
  assert.notEqual(garbage.code, 0);
  assert.match(garbage.stderr, /invalid tar header/);
  // dockerd fails a load in its stream after a 200: the CLI prints the words alone.
  assert.doesNotMatch(garbage.stderr, /Error response from daemon/);
  const garbageImport = await d.docker(['import', '-'], { input: Buffer.from('garbage'.repeat(100)) });
  assert.notEqual(garbageImport.code, 0);
  assert.match(garbageImport.stderr, /invalid tar header/);
  assert.match(await ok(d, ['images', '--format', '{{.Repository}}']), /imported/);
  assert.deepEqual(scratchDirs(d), []);
});

test('a load cut short by a killed daemon leaves no image and no spool after restart', { timeout: 60_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const multi = readFileSync((await multiLayerImage()).path);
  // Send half the archive and keep the connection open while the daemon is killed.
  const req = request({ socketPath: d.socket, method: 'POST', path: '/v1.41/images/load?quiet=1', headers: { 'content-type': 'application/x-tar', 'content-length': String(multi.length) } });
  req.on('error', () => { /* the daemon dies under it */ });
  req.write(multi.subarray(0, multi.length >> 1));
  for (let i = 0; i < 100 && scratchDirs(d).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(scratchDirs(d).length, 1, 'the load is spooling');
  d.kill('SIGKILL');
  await d.exited;
  req.destroy();
  await d.restart();
  assert.deepEqual(scratchDirs(d), []);
  assert.equal((await ok(d, ['images', '-q'])).trim(), '');
});

test('a layer whose content does not match its diff_id fails the load and leaves no layer behind', { timeout: 60_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const a = await layerTar([{ type: 'file', name: 'a', mode: 0o644, content: 'first\n' }]);
  const b = await layerTar([{ type: 'file', name: 'b', mode: 0o644, content: 'second\n' }]);
  const sha = (x: Buffer) => `sha256:${createHash('sha256').update(x).digest('hex')}`;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(a), sha(Buffer.from('not b'))] } }));
  const cfgName = `${sha(config).slice(7)}.json`;
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
  const ended = new Promise<void>((r) => pack.on('end', () => r()));
  pack.entry({ name: cfgName }, config);
  pack.entry({ name: 'a/layer.tar' }, a);
  pack.entry({ name: 'b/layer.tar' }, b);
  pack.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: cfgName, RepoTags: ['mismatch:1'], Layers: ['a/layer.tar', 'b/layer.tar'] }]));
  pack.finalize();
  await ended;
  const r = await d.docker(['load'], { input: Buffer.concat(chunks) });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /does not match|mismatch/);
  assert.equal((await ok(d, ['images', '-q'])).trim(), '');
  const layerdb = join(d.dir, 'data', 'image', 'layerdb', 'sha256');
  assert.deepEqual(existsSync(layerdb) ? readdirSync(layerdb) : [], []);
  assert.deepEqual(scratchDirs(d), []);
  // (The place looked at is where layers do live.)
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  assert.equal(readdirSync(layerdb).length, 1);
});

test('archives move between berth and the reference dockerd with the same IDs', { skip: referenceSkipReason() ?? false, timeout: 180_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const ref = await startReferenceDockerd(t);
  const multi = await multiLayerImage();
  await ok(d, ['load', '-i', multi.path]);
  // berth → dockerd: berth's layer tars must be byte-identical for dockerd to accept the diffIDs.
  const fromBerth = join(d.dir, 'from-berth.tar');
  await ok(d, ['save', '-o', fromBerth, multi.tag]);
  const loaded = await ref.docker(['load', '-i', fromBerth]);
  assert.equal(loaded.code, 0, loaded.stderr);
  const refId = JSON.parse((await ref.docker(['image', 'inspect', multi.tag])).stdout.toString())[0].Id;
  assert.equal(refId, multi.id);
  // dockerd → berth: an image dockerd made itself.
  const rootfs = await layerTar([{ type: 'file', name: 'made-by-dockerd', mode: 0o644, content: 'x\n' }]);
  assert.equal((await ref.docker(['import', '--change', 'CMD ["sh"]', '-', 'dockerd-made:v1'], rootfs)).code, 0);
  const madeId = JSON.parse((await ref.docker(['image', 'inspect', 'dockerd-made:v1'])).stdout.toString())[0].Id;
  const fromDockerd = await ref.docker(['save', 'dockerd-made:v1']);
  assert.equal(fromDockerd.code, 0, fromDockerd.stderr);
  assert.match(await ok(d, ['load'], fromDockerd.stdout), /Loaded image: dockerd-made:v1/);
  assert.equal(await imageId(d, 'dockerd-made:v1'), madeId);
});
