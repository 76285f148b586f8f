import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { busyboxImage, multiLayerImage } from './fixtures.js';

interface TarEntry { name: string; type: string; mode: number; linkname: string | null; data: Buffer }

async function entries(buf: Buffer): Promise<Map<string, TarEntry>> {
  const out = new Map<string, TarEntry>();
  const extract = tar.extract();
  const done = new Promise<void>((res, rej) => { extract.on('finish', () => res()); extract.on('error', rej); });
  extract.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => { chunks.push(c as Buffer); });
    stream.on('end', () => {
      out.set(h.name, { name: h.name, type: h.type ?? 'file', mode: h.mode ?? 0, linkname: h.linkname ?? null, data: Buffer.concat(chunks) });
      next();
    });
  });
  Readable.from(buf).pipe(extract);
  await done;
  return out;
}

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('busybox fixture: a docker-archive whose IDs are the digests of its config and layer', async () => {
  const img = await busyboxImage();
  const archive = await entries(readFileSync(img.path));
  const [manifest] = JSON.parse(archive.get('manifest.json')!.data.toString()) as { Config: string; RepoTags: string[]; Layers: string[] }[];
  assert.deepEqual(manifest!.RepoTags, ['busybox:latest']);
  const config = archive.get(manifest!.Config)!.data;
  assert.equal(sha(config), img.id);
  const parsed = JSON.parse(config.toString()) as { config: { Cmd: string[]; Env: string[] }; rootfs: { diff_ids: string[] } };
  assert.deepEqual(parsed.config.Cmd, ['sh']);
  assert.match(parsed.config.Env[0]!, /^PATH=.*\/bin/);
  const layer = archive.get(manifest!.Layers[0]!)!.data;
  assert.deepEqual(parsed.rootfs.diff_ids, [sha(layer)]);

  const files = await entries(layer);
  assert.deepEqual(files.get('bin/busybox')!.data, readFileSync('/bin/busybox'));
  assert.equal(files.get('bin/sh')!.linkname, 'busybox');
  assert.equal(files.get('tmp/')!.mode, 0o1777);
  assert.match(files.get('etc/passwd')!.data.toString(), /^root:x:0:0:/m);
  assert.match(files.get('etc/group')!.data.toString(), /^nobody:x:65534:/m);
});

test('the fixtures are cached and reproducible', async () => {
  const a = await busyboxImage();
  const b = await busyboxImage();
  assert.deepEqual(a, b);
});

test('multi-layer fixture: three layers, the third whiteouts a file and makes a dir opaque', async () => {
  const img = await multiLayerImage();
  assert.equal(img.diffIds.length, 3);
  assert.equal(img.diffIds[0], (await busyboxImage()).diffIds[0], 'same base layer as busybox');
  const archive = await entries(readFileSync(img.path));
  const [manifest] = JSON.parse(archive.get('manifest.json')!.data.toString()) as { Layers: string[] }[];
  const top = await entries(archive.get(manifest!.Layers[2]!)!.data);
  assert.ok(top.has('etc/.wh.delete-me'));
  assert.ok(top.has('opaque/.wh..wh..opq'));
  const middle = await entries(archive.get(manifest!.Layers[1]!)!.data);
  assert.ok(middle.has('etc/delete-me') && middle.has('opaque/a'));
});
