import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GraphDriver } from '../types.js';
import { NotSupported } from '../types.js';
import { backingFs, loadKernelFs } from '../common/fs.js';
import { parseOptions } from '../common/options.js';
import { AufsDriver } from './driver.js';

/** Filesystems aufs cannot use as branches (dockerd's list). */
const INCOMPATIBLE = new Set(['aufs', 'btrfs', 'ecryptfs']);

/** Start the aufs driver in `home`; NotSupported unless the kernel has aufs. */
export async function init(home: string, options: string[]): Promise<GraphDriver> {
  parseOptions('aufs', options, []);
  if (!(await loadKernelFs('aufs'))) {
    throw new NotSupported('aufs', 'the kernel has no aufs filesystem (not in /proc/filesystems, and modprobe aufs did not load it); use overlay or vfs');
  }
  await mkdir(home, { recursive: true, mode: 0o700 });
  const fs = await backingFs(home);
  if (INCOMPATIBLE.has(fs)) throw new NotSupported('aufs', `aufs is not supported over ${fs}`);
  for (const sub of ['diff', 'layers', 'mnt']) await mkdir(join(home, sub), { recursive: true, mode: 0o700 });
  return new AufsDriver(home, fs);
}
