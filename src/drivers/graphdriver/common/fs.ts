/** Filesystem helpers the drivers share: sizes, backing filesystem names, mount table. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { lstat, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';

/** statfs f_type magic numbers, named as dockerd's "Backing Filesystem" line names them. */
const FS_NAMES: Record<number, string> = {
  0xef53: 'extfs',
  0x58465342: 'xfs',
  0x01021994: 'tmpfs',
  0x9123683e: 'btrfs',
  0x794c7630: 'overlayfs',
  0x61756673: 'aufs',
  0x2fc12fc1: 'zfs',
  0x6969: 'nfs',
  0xf2f52010: 'f2fs',
  0x858458f6: 'ramfs',
  0x73717368: 'squashfs',
  0x52654973: 'reiserfs',
  0xf15f: 'ecryptfs',
  0xff534d42: 'cifs',
};

/** The name of the filesystem `path` lives on ("extfs", "xfs", ...; "<unknown>" otherwise). */
export async function backingFs(path: string): Promise<string> {
  const st = await statfs(path);
  return FS_NAMES[st.type] ?? '<unknown>';
}

/** Bytes of the regular files and symlinks under `dir`, each hardlinked inode counted once. */
export async function dirSize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = await lstat(p);
      if (st.isDirectory()) {
        await walk(p);
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      if (st.nlink > 1) {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += st.size;
    }
  };
  await walk(dir);
  return total;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points of this process's mount namespace, in mount order. */
export function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => unescapeMountPath(l.split(' ')[4] ?? ''));
}

export function isMountPoint(path: string): boolean {
  return mountPoints().includes(path);
}

/** Mount points at or below `dir`, deepest last (unmount in reverse). */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return mountPoints().filter((m) => m === dir || m.startsWith(prefix));
}

/** Does /proc/filesystems list `fs` (i.e. can the kernel mount it right now)? */
export function kernelHasFs(fs: string): boolean {
  try {
    return readFileSync('/proc/filesystems', 'utf8').split('\n').some((l) => l.split('\t').pop() === fs);
  } catch {
    return false;
  }
}

/**
 * kernelHasFs, after asking for the module as dockerd does (`modprobe <fs>`), since a
 * filesystem built as a module is only listed once something loaded it.
 */
export async function loadKernelFs(fs: string): Promise<boolean> {
  if (kernelHasFs(fs)) return true;
  await new Promise<void>((resolve) => {
    execFile('modprobe', [fs], { timeout: 10_000 }, () => resolve());
  });
  return kernelHasFs(fs);
}
