/**
 * Device nodes of a container's /dev. Every container gets the standard character
 * devices; `--privileged` gets every device node of the host (read by `hostDevices`).
 * /dev/console and /dev/ptmx are not listed: the runtime binds the console and links
 * ptmx to the container's own devpts instance.
 */
import type { Stats } from 'node:fs';
import { readdir, lstat, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidParameter } from '../engine/errors.js';
import type { DeviceRule } from './cgroups/resources.js';
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

const rule = (type: 'b' | 'c', major: number | '*', minor: number | '*', access = 'rwm'): DeviceRule => ({ allow: true, type, major, minor, access });

/**
 * The device cgroup of an unprivileged container, as runc sets it under dockerd:
 * everything denied, then mknod of any node allowed (using one needs a rule), the
 * standard devices, the container's own ptys (its devpts, 136:*, and /dev/ptmx)
 * and /dev/net/tun. A container can thus not read the host's disks or /dev/kmsg
 * through a node it makes itself.
 */
export function defaultDeviceRules(): DeviceRule[] {
  return [
    { allow: false, type: 'a', major: '*', minor: '*', access: 'rwm' },
    rule('c', '*', '*', 'm'), rule('b', '*', '*', 'm'),
    rule('c', 1, 3), rule('c', 1, 8), rule('c', 1, 7), rule('c', 5, 0), rule('c', 1, 5), rule('c', 1, 9),
    rule('c', 136, '*'), rule('c', 5, 2), rule('c', 10, 200),
  ];
}

/** `--privileged`: every device. */
export function allDevicesRule(): DeviceRule[] {
  return [{ allow: true, type: 'a', major: '*', minor: '*', access: 'rwm' }];
}

/** A node of the host as the container gets it (`--device`), and the rule that lets it be used. */
function mapped(st: Stats, pathInContainer: string, access: string): { node: OciDevice; rule: DeviceRule } {
  const type = st.isCharacterDevice() ? 'c' : 'b';
  return {
    node: { path: pathInContainer, type, major: major(st.rdev), minor: minor(st.rdev), fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid },
    rule: rule(type, major(st.rdev), minor(st.rdev), access),
  };
}

/**
 * `--device host[:container[:perms]]` as dockerd's DevicesFromPath reads it: a device
 * node (a symlink to one is followed), or a directory whose device nodes all come,
 * each under the container path. Errors in dockerd's words.
 */
export async function devicesFromPath(pathOnHost: string, pathInContainer: string, access: string): Promise<{ nodes: OciDevice[]; rules: DeviceRule[] }> {
  const fail = (why: string): never => { throw new InvalidParameter(`error gathering device information while adding custom device "${pathOnHost}": ${why}`); };
  const st = await stat(pathOnHost).catch((e: NodeJS.ErrnoException) => fail(e.code === 'ENOENT' ? 'no such file or directory' : e.message));
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    const m = mapped(st, pathInContainer, access);
    return { nodes: [m.node], rules: [m.rule] };
  }
  if (!st.isDirectory()) fail('not a device node');
  const nodes: OciDevice[] = [];
  const rules: DeviceRule[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const full = join(dir, name);
      const s = await lstat(full).catch(() => undefined);
      if (s?.isDirectory()) await walk(full, join(rel, name));
      else if (s && (s.isCharacterDevice() || s.isBlockDevice())) {
        const m = mapped(s, join(pathInContainer, rel, name), access);
        nodes.push(m.node);
        rules.push(m.rule);
      }
    }
  };
  await walk(pathOnHost, '');
  return { nodes, rules };
}

/** `--device-cgroup-rule 'c 1:3 rwm'`; InvalidParameter in dockerd's words otherwise. */
export function parseDeviceCgroupRule(text: string): DeviceRule {
  const m = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.exec(text);
  if (!m) throw new InvalidParameter(`invalid device cgroup format '${text}'`);
  const num = (v: string): number | '*' => (v === '*' ? '*' : Number(v));
  return { allow: true, type: m[1] as 'a' | 'b' | 'c', major: num(m[2]!), minor: num(m[3]!), access: m[4]! };
}
