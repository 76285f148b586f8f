import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, waitFor } from '../helpers/daemon.js';
import { busyboxImage, dockerArchive, layerTar } from '../helpers/fixtures.js';

/**
 * kill -9 of the daemon in the middle of `docker load`: after a restart the images
 * loaded before are still listed, the half-loaded one is not, and none of its
 * layers (rows, layerdb dirs, driver dirs) is left.
 */

const ls = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

test('a load killed mid-layer leaves nothing once the daemon starts again', { timeout: 180_000 }, async (t: TestContext) => {
  const d = await startDaemon(t, { storageDriver: 'overlay' });
  const busybox = await busyboxImage();
  const load = async (path: string) => {
    const r = await d.docker(['load', '-i', path]);
    assert.equal(r.code, 0, r.stderr);
  };
  await load(busybox.path);

  // A small base layer, then one big enough that extracting it takes a while.
  const big = join(d.dir, 'big.tar');
  const { archive } = await dockerArchive('big:latest', [
    await layerTar([{ type: 'file', name: 'small', mode: 0o644, content: 'small\n' }]),
    await layerTar(Array.from({ length: 6 }, (_, i) => ({ type: 'file' as const, name: `blob${i}`, mode: 0o644, content: Buffer.alloc(32 << 20, i + 1) }))),
  ], ['ADD small /', 'ADD blobs /']);
  writeFileSync(big, archive);

  const data = join(d.dir, 'data');
  const layerdb = join(data, 'image', 'layerdb');
  const pending = d.docker(['load', '-i', big]);
  // Kill as soon as a layer is being written.
  await waitFor('a layer to be in progress', () => ls(join(layerdb, 'tmp')).length > 0, 60_000);
  d.kill('SIGKILL');
  await d.exited;
  await pending;

  await d.restart();
  const ids = (await d.docker(['images', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean);
  assert.deepEqual(ids, [busybox.id], 'the earlier image survives, the half-loaded one is not listed');
  assert.deepEqual(ls(join(layerdb, 'tmp')), []);
  assert.deepEqual(ls(join(layerdb, 'sha256')), busybox.diffIds.map((x) => x.slice(7)));
  // The driver holds busybox's one layer and nothing else (`l` is overlay's link dir).
  assert.equal(ls(join(data, 'overlay')).filter((n) => /^[0-9a-f]{64}$/.test(n)).length, 1);
  const info = await d.docker(['image', 'inspect', '--format', '{{.Id}}', 'busybox']);
  assert.equal(info.stdout.trim(), busybox.id);
});
