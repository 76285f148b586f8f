/**
 * The local driver's mount options (`-o type=tmpfs -o device=tmpfs -o o=size=1m`,
 * compose's `driver_opts`): the filesystem is mounted on the volume's `_data` when
 * its first container starts and unmounted when its last one stops, as dockerd's
 * local driver does. `o` is split as mount(8) would: flag words become mount flags,
 * everything else is the filesystem's data string.
 */
import { readFile } from 'node:fs/promises';
import { System } from '../engine/errors.js';
import * as native from '../libcontainer/native.js';

/** Flag words: [clear instead of set, flag]. */
const FLAGS: Record<string, [boolean, number]> = {
  defaults: [false, 0],
  ro: [false, native.MS_RDONLY], rw: [true, native.MS_RDONLY],
  suid: [true, native.MS_NOSUID], nosuid: [false, native.MS_NOSUID],
  dev: [true, native.MS_NODEV], nodev: [false, native.MS_NODEV],
  exec: [true, native.MS_NOEXEC], noexec: [false, native.MS_NOEXEC],
  sync: [false, native.MS_SYNCHRONOUS], async: [true, native.MS_SYNCHRONOUS],
  dirsync: [false, native.MS_DIRSYNC], remount: [false, native.MS_REMOUNT],
  mand: [false, native.MS_MANDLOCK], nomand: [true, native.MS_MANDLOCK],
  atime: [true, native.MS_NOATIME], noatime: [false, native.MS_NOATIME],
  diratime: [true, native.MS_NODIRATIME], nodiratime: [false, native.MS_NODIRATIME],
  bind: [false, native.MS_BIND], rbind: [false, native.MS_BIND | native.MS_REC],
  relatime: [false, native.MS_RELATIME], norelatime: [true, native.MS_RELATIME],
  strictatime: [false, native.MS_STRICTATIME], nostrictatime: [true, native.MS_STRICTATIME],
};

/** Propagation words need a mount call of their own after the mount itself. */
const PROPAGATION: Record<string, number> = {
  unbindable: native.MS_UNBINDABLE, runbindable: native.MS_UNBINDABLE | native.MS_REC,
  private: native.MS_PRIVATE, rprivate: native.MS_PRIVATE | native.MS_REC,
  shared: native.MS_SHARED, rshared: native.MS_SHARED | native.MS_REC,
  slave: native.MS_SLAVE, rslave: native.MS_SLAVE | native.MS_REC,
};

export interface MountOptions {
  flags: number;
  propagation: number;
  data: string;
}

export function parseMountOptions(o: string): MountOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  for (const word of o.split(',').filter(Boolean)) {
    const f = FLAGS[word];
    if (f) {
      flags = f[0] ? flags & ~f[1] : flags | f[1];
    } else if (word in PROPAGATION) {
      propagation |= PROPAGATION[word]!;
    } else {
      data.push(word);
    }
  }
  return { flags, propagation, data: data.join(',') };
}

/** True when `path` is a mount point (a bind on the same filesystem included): /proc/self/mountinfo says. */
export async function isMountpoint(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  // Field 5 is the mount point, with space, tab, newline and backslash octal-escaped.
  const unescape = (f: string) => f.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  return info.split('\n').some((line) => {
    const f = line.split(' ')[4];
    return f !== undefined && unescape(f) === path;
  });
}

/** Mount `device` (of `type`, with `o`) on `target`, the way moby's mount.Mount does. */
export function mountWith(device: string, target: string, type: string, o: string): void {
  const { flags, propagation, data } = parseMountOptions(o);
  try {
    native.mount(device, target, type === 'none' ? null : type, flags & ~native.MS_REMOUNT, data || null);
    // A bind ignores its other flags: a remount applies ro, nosuid...
    if (flags & native.MS_BIND && flags & ~(native.MS_BIND | native.MS_REC)) {
      native.mount(null, target, null, flags | native.MS_REMOUNT | native.MS_BIND, null);
    }
    if (propagation) native.mount(null, target, null, propagation, null);
  } catch (err) {
    // moby/sys/mount's mountError: flags and data only when set, then Go's errno text.
    const detail = `${flags ? `, flags: 0x${flags.toString(16)}` : ''}${data ? `, data: ${data}` : ''}`;
    throw new System(`failed to mount local volume: mount ${device}:${target}${detail}: ${errnoText(err)}`, { cause: err });
  }
}

/** "invalid argument" from the addon's "EINVAL: invalid argument, mount '/x'" (Go prints the bare text). */
function errnoText(err: unknown): string {
  const e = err as { message: string; code?: string; syscall?: string };
  const m = /^E[A-Z0-9]+: (.*?), [a-z0-9_]+(?: '.*')?$/s.exec(e.message);
  return m ? m[1]! : e.message;
}

export function unmountFrom(target: string): void {
  native.umount2(target, native.MNT_DETACH);
}
