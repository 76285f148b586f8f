/**
 * Can this host run the overlay driver with its layers in <home>? The kernel must
 * have overlayfs, the backing filesystem must be one overlay accepts as an upper
 * layer, and a real mount with two lower dirs must succeed there (the only test
 * that catches every odd case: overlay on overlay, missing d_type, no trusted xattrs).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MNT_DETACH, mount, umount2 } from '../../../libcontainer/native.js';
import { NotSupported } from '../types.js';
import { backingFs, loadKernelFs } from '../common/fs.js';
import { overlayOptions } from './mount.js';

/** Filesystems overlay refuses as upperdir, or that dockerd refuses to stack on. */
const INCOMPATIBLE = new Set(['overlayfs', 'aufs', 'zfs', 'ecryptfs']);

/** Resolves to the backing filesystem's name, or throws NotSupported with the reason. */
export async function checkSupport(home: string): Promise<string> {
  if (!(await loadKernelFs('overlay'))) throw new NotSupported('overlay', 'the kernel has no overlay filesystem (not in /proc/filesystems, and modprobe overlay did not load it)');
  await mkdir(home, { recursive: true, mode: 0o710 });
  const fs = await backingFs(home);
  if (INCOMPATIBLE.has(fs)) throw new NotSupported('overlay', `'overlay' is not supported over ${fs}`);
  await testMount(home);
  return fs;
}

async function testMount(home: string): Promise<void> {
  const dir = await mkdtemp(join(home, 'check-overlay-'));
  const merged = join(dir, 'merged');
  let mounted = false;
  try {
    for (const sub of ['lower1', 'lower2', 'upper', 'work', 'merged']) await mkdir(join(dir, sub));
    mount('overlay', merged, 'overlay', 0, overlayOptions([join(dir, 'lower2'), join(dir, 'lower1')], join(dir, 'upper'), join(dir, 'work')));
    mounted = true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new NotSupported('overlay', `a test mount of overlay in ${home} failed (${code})`);
  } finally {
    if (mounted) umount2(merged, MNT_DETACH);
    await rm(dir, { recursive: true, force: true });
  }
}
