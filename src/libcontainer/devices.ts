/**
 * Device nodes of a container's /dev. Every container gets the standard character
 * devices; `--privileged` gets every device node of the host (read by `hostDevices`).
 * /dev/console and /dev/ptmx are not listed: the runtime binds the console and links
 * ptmx to the container's own devpts instance.
 */
import { readdir, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { OciDevice } from './oci.js';

const chr = (path: string, major: number, minor: number): OciDevice =>
  ({ path, type: 'c', major, minor, fileMode: 0o666, uid: 0, gid: 0 });

/** null, zero, full, random, urandom and tty, world read-write as on any Linux. */
export function defaultDevices(): OciDevice[] {
  return [
    chr('/dev/null', 1, 3),
    chr('/dev/zero', 1, 5),
    chr('/dev/full', 1, 7),
    chr('/dev/random', 1, 8),
    chr('/dev/urandom', 1, 9),
    chr('/dev/tty', 5, 0),
  ];
}

/** Linux's dev_t split (glibc's gnu_dev_major/minor). */
function major(dev: number): number {
  return Number(((BigInt(dev) >> 8n) & 0xfffn) | ((BigInt(dev) >> 32n) & ~0xfffn));
}
function minor(dev: number): number {
  return Number((BigInt(dev) & 0xffn) | ((BigInt(dev) >> 12n) & ~0xffn));
}

/**
 * Every block and character device under the host's /dev, for `--privileged`; skips
 * /dev/pts, /dev/shm, /dev/mqueue (the container has its own) and the console.
 */
export async function hostDevices(root = '/dev'): Promise<OciDevice[]> {
  const out: OciDevice[] = [];
  const skip = new Set(['pts', 'shm', 'mqueue', 'console', 'ptmx', '.lxc', '.udev']);
  const walk = async (dir: string, rel: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return; // vanished or unreadable: a privileged container just does not get it
    }
    for (const name of names) {
      if (rel === '' && skip.has(name)) continue;
      const full = join(dir, name);
      const st = await lstat(full).catch(() => undefined);
      if (!st) continue;
      const path = join('/dev', rel, name);
      if (st.isDirectory()) await walk(full, join(rel, name));
      else if (st.isCharacterDevice() || st.isBlockDevice()) {
        out.push({
          path, type: st.isCharacterDevice() ? 'c' : 'b', major: major(st.rdev), minor: minor(st.rdev),
          fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid,
        });
      }
    }
  };
  await walk(root, '');
  return out;
}
