import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import winston from 'winston';
import { MNT_DETACH, mount, umount2 } from '../../libcontainer/native.js';
import { mountsUnder } from './common/fs.js';
import { selectDriver } from './registry.js';
import type { GraphDriver } from './types.js';

/** A data root removed after the test, and a logger whose lines the test can read. */
function setup(t: TestContext): { root: string; log: winston.Logger; lines: string[]; track(d: GraphDriver): GraphDriver } {
  const root = mkdtempSync('/tmp/berth-test-registry-');
  const lines: string[] = [];
  const sink = new PassThrough({ objectMode: true });
  sink.on('data', (info: { message: string }) => lines.push(info.message));
  const log = winston.createLogger({ level: 'debug', transports: [new winston.transports.Stream({ stream: sink })] });
  const drivers: GraphDriver[] = [];
  t.after(async () => {
    for (const d of drivers) await d.cleanup();
    for (const m of mountsUnder(root).reverse()) umount2(m, MNT_DETACH);
    rmSync(root, { recursive: true, force: true });
  });
  return { root, log, lines, track: (d) => (drivers.push(d), d) };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('with no name, overlay (the first that works here) is picked and logged', async (t) => {
  const { root, log, lines, track } = setup(t);
  const d = track(await selectDriver(root, null, [], log));
  assert.equal(d.name, 'overlay');
  assert.equal(d.home, join(root, 'overlay'));
  await tick();
  assert.ok(lines.some((l) => l.includes('using storage driver overlay')), lines.join('\n'));
  assert.ok(!existsSync(join(root, 'aufs')) && !existsSync(join(root, 'vfs')), 'drivers not chosen leave nothing');
});

test('an explicit aufs fails as dockerd does when the kernel lacks it', async (t) => {
  const { root, log } = setup(t);
  await assert.rejects(selectDriver(root, 'aufs', [], log), (err: Error) => {
    assert.match(err.message, /^error initializing graphdriver: driver not supported: aufs: .+/);
    return true;
  });
  assert.ok(!existsSync(join(root, 'aufs')));
});

test('overlay2 names the overlay driver; vfs is chosen by name', async (t) => {
  const { root, log, track } = setup(t);
  assert.equal(track(await selectDriver(root, 'overlay2', [], log)).name, 'overlay');
  const v = track(await selectDriver(root, 'vfs', [], log));
  assert.equal(v.name, 'vfs');
  assert.equal(v.home, join(root, 'vfs'));
});

test('an unknown driver or storage option stops the daemon with a clear error', async (t) => {
  const { root, log } = setup(t);
  await assert.rejects(selectDriver(root, 'btrfs', [], log), /^Error: error initializing graphdriver: driver not supported: btrfs/);
  await assert.rejects(selectDriver(root, 'vfs', ['vfs.size=10G'], log), /error initializing graphdriver: vfs: unknown option vfs\.size/);
  await assert.rejects(selectDriver(root, null, ['overlay2.bogus=1'], log), /overlay: unknown option overlay2\.bogus/);
  await assert.rejects(selectDriver(root, 'vfs', ['nonsense'], log), /unable to parse storage option/);
});

test('overlay accepts the override_kernel_check option dockerd configs carry', async (t) => {
  const { root, log, track } = setup(t);
  assert.equal(track(await selectDriver(root, null, ['overlay2.override_kernel_check=true'], log)).name, 'overlay');
});

test('a data root that already holds vfs layers keeps using vfs', async (t) => {
  const { root, log, lines, track } = setup(t);
  const first = track(await selectDriver(root, 'vfs', [], log));
  await first.create('layer1', null);
  const again = track(await selectDriver(root, null, [], log));
  assert.equal(again.name, 'vfs');
  assert.ok(again.exists('layer1'));
  await tick();
  assert.ok(lines.some((l) => l.includes('prior storage driver: vfs')));
});

test('layers of two drivers in one data root are refused', async (t) => {
  const { root, log } = setup(t);
  mkdirSync(join(root, 'vfs', 'dir', 'a'), { recursive: true });
  mkdirSync(join(root, 'overlay', 'b', 'diff'), { recursive: true });
  await assert.rejects(selectDriver(root, null, [], log), /contains several valid graphdrivers: overlay, vfs/);
});

test('on a data root that is itself on overlayfs, overlay and aufs are skipped and vfs is picked', async (t) => {
  const { root, log, lines, track } = setup(t);
  for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(root, d));
  mount('overlay', join(root, 'merged'), 'overlay', 0, `lowerdir=${join(root, 'lower')},upperdir=${join(root, 'upper')},workdir=${join(root, 'work')}`);
  const dataRoot = join(root, 'merged', 'data');
  const d = track(await selectDriver(dataRoot, null, [], log));
  assert.equal(d.name, 'vfs');
  await tick();
  assert.ok(lines.some((l) => /skipping storage driver overlay: .*'overlay' is not supported over overlayfs/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('skipping storage driver aufs')), lines.join('\n'));
  assert.ok(!existsSync(join(dataRoot, 'overlay')), 'the skipped driver left no directory');
  await assert.rejects(selectDriver(dataRoot, 'overlay', [], log), /^Error: error initializing graphdriver: driver not supported: overlay: 'overlay' is not supported over overlayfs/);
});
