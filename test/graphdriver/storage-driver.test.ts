/**
 * The storage driver as the docker CLI sees it: `docker info` of a real daemon
 * names the driver the selector picked, `-s aufs` on a kernel without aufs stops
 * the daemon with dockerd's message, a loaded image keeps its layers across a
 * restart, and a data root holding one driver's layers is started on that driver.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { busyboxImage, multiLayerImage } from '../helpers/fixtures.js';
import { runBerth, startDaemon, tempDir } from '../helpers/daemon.js';

/** Daemons run with raw arguments get no network, so none touches the default berth0/BERTH names. */
const NO_NETWORK = ['-b', 'none', '--iptables=false'];

test('docker info shows overlay, its backing filesystem and driver status by default', async (t) => {
  const d = await startDaemon(t);
  const r = await d.docker(['info', '--format', '{{.Driver}}|{{json .DriverStatus}}']);
  assert.equal(r.code, 0, r.stderr);
  const [driver, status] = r.stdout.trim().split('|');
  assert.equal(driver, 'overlay');
  const pairs = new Map(JSON.parse(status!) as [string, string][]);
  assert.equal(pairs.get('Backing Filesystem'), 'extfs');
  assert.equal(pairs.get('Native Overlay Diff'), 'true');
});

test('-s vfs is honoured', async (t) => {
  const d = await startDaemon(t, { storageDriver: 'vfs' });
  const r = await d.docker(['info', '--format', '{{.Driver}}']);
  assert.equal(r.stdout.trim(), 'vfs');
});

test('-s aufs without aufs in the kernel stops the daemon with a clear message', async (t) => {
  if (readFileSync('/proc/filesystems', 'utf8').includes('\taufs\n')) return t.skip('this kernel has aufs');
  const dir = tempDir(t);
  const r = await runBerth(['-d', '-H', `unix://${join(dir, 's.sock')}`, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'),
    '--pidfile', join(dir, 'p.pid'), '-s', 'aufs', ...NO_NETWORK]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /error initializing graphdriver: driver not supported: aufs/);
});

for (const driver of ['overlay', 'vfs']) {
  test(`${driver}: a loaded image's layers survive a restart and save reproduces the layer ids`, async (t) => {
    const img = await multiLayerImage();
    const d = await startDaemon(t, { storageDriver: driver });
    const load = await d.docker(['load', '-i', img.path]);
    assert.equal(load.code, 0, load.stderr + d.log());
    const inspect = async (): Promise<{ Name: string; Data: Record<string, string> | null }> => {
      const r = await d.docker(['image', 'inspect', '--format', '{{json .GraphDriver}}', img.tag]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { Name: string; Data: Record<string, string> | null };
    };
    const before = await inspect();
    assert.equal(before.Name, driver);
    if (driver === 'overlay') {
      assert.equal(before.Data!['LowerDir']!.split(':').length, 2, 'two layers below the top one');
      assert.ok(existsSync(join(before.Data!['UpperDir']!, 'etc', 'layer3')));
    }
    await d.restart();
    assert.deepEqual(await inspect(), before);
    const saved = join(d.dir, 'saved.tar');
    const save = await d.docker(['save', '-o', saved, img.tag]);
    assert.equal(save.code, 0, save.stderr);
    const reloaded = await d.docker(['load', '-i', saved]);
    assert.equal(reloaded.code, 0, reloaded.stderr);
    const ids = await d.docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', img.tag]);
    assert.deepEqual(JSON.parse(ids.stdout), img.diffIds);
  });
}

test('without -s, a data root holding vfs layers starts on vfs again, not on overlay', async (t) => {
  const img = await busyboxImage();
  const first = await startDaemon(t, { storageDriver: 'vfs' });
  assert.equal((await first.docker(['load', '-i', img.path])).code, 0);
  await first.stop();
  const dataRoot = join(first.dir, 'data');
  const second = await startDaemon(t, {
    rawArgs: (dir) => ['-d', '-H', `unix://${join(dir, 'berth.sock')}`, '--data-root', dataRoot, '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'berth.pid'), ...NO_NETWORK],
  });
  assert.equal((await second.docker(['info', '--format', '{{.Driver}}'])).stdout.trim(), 'vfs');
  const r = await second.docker(['image', 'inspect', '--format', '{{.GraphDriver.Name}}', img.tag]);
  assert.equal(r.stdout.trim(), 'vfs', r.stderr);
  assert.match(second.log(), /using prior storage driver: vfs/);
});
