import { randomBytes } from 'node:crypto';
import { mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../../drivers/graphdriver/archive/confine.js';
import { System, isErrno } from '../../engine/errors.js';
import * as native from '../../libcontainer/native.js';
import type { JobContext } from '../context.js';
import { hostFilePaths } from './host-files.js';
import { mountPointsOf, type MountPoint } from './mounts.js';
import type { ContainerRecord } from './types.js';

/*
 * `docker cp` sees a container's volumes and binds, as dockerd's mountVolumes makes
 * it: for the length of the copy each one is bind-mounted (recursive, private,
 * read-only when the mount is) onto its destination in the daemon's view of the
 * rootfs, whether the container runs or not (a running container's own mounts
 * live in its mount namespace, not in this view). tmpfs mounts have nothing on
 * the host to show and are left out, as dockerd does.
 */

/** The mount points a copy sees, parents before children. */
function copyMounts(c: ContainerRecord): MountPoint[] {
  const tmpfs = (c.HostConfig['Tmpfs'] ?? {}) as Record<string, string>;
  const depth = (m: MountPoint): number => m.Destination.split('/').filter(Boolean).length;
  return mountPointsOf(c).filter((m) => m.Type !== 'tmpfs' && !(m.Destination in tmpfs)).sort((a, b) => depth(a) - depth(b));
}

/**
 * dockerd's NetworkMounts, which a copy sees too: the container's own /etc/hostname,
 * /etc/hosts and /etc/resolv.conf (once a start has written them; before, the
 * image's show), unless a volume or bind of its own sits there.
 */
function networkFiles(ctx: JobContext, c: ContainerRecord): MountPoint[] {
  if (String(c.HostConfig.NetworkMode ?? '').startsWith('container:')) return [];
  const taken = new Set(mountPointsOf(c).map((m) => m.Destination));
  const p = hostFilePaths(ctx, c);
  const files: Array<[string, string]> = [['/etc/resolv.conf', p.ResolvConfPath], ['/etc/hostname', p.HostnamePath], ['/etc/hosts', p.HostsPath]];
  return files.filter(([dest]) => !taken.has(dest)).map(([Destination, Source]) => ({
    Type: 'bind', Name: '', Source, Destination, Driver: '', Mode: '', RW: c.HostConfig['ReadonlyRootfs'] !== true,
    Propagation: 'rprivate', SpecSource: Source, CopyData: false,
  }));
}

/** dockerd's checkIfPathIsInAVolume: the mount point holding `abs` (a resolved container path), if any. */
export function mountHolding(c: ContainerRecord, abs: string): MountPoint | undefined {
  let best: MountPoint | undefined;
  for (const m of copyMounts(c)) {
    const rel = path.posix.relative(m.Destination, abs);
    if (rel === '..' || rel.startsWith('../')) continue;
    if (!best || m.Destination.length > best.Destination.length) best = m;
  }
  return best;
}

/** dockerd's CreateIfNotExists: the mount point in the rootfs, a directory or an empty file like its source. */
async function mountTarget(root: string, m: MountPoint, source: string): Promise<string> {
  const target = path.join(root, await resolveInRoot(root, m.Destination.replace(/^\/+/, ''), true));
  const isDir = (await stat(source)).isDirectory();
  if (isDir) {
    await mkdir(target, { recursive: true, mode: 0o755 });
  } else {
    await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    // Only a missing file is made: opening an image's file for writing copies it up
    // into the RW layer, and 'docker diff' would then list it (and /etc) as changed.
    const there = await stat(target).then(() => true, () => false);
    if (!there) await (await open(target, 'a')).close();
  }
  return target;
}

function bind(source: string, target: string, readOnly: boolean): void {
  try {
    native.mount(source, target, null, native.MS_BIND | native.MS_REC);
    try {
      if (readOnly) native.mount(null, target, null, native.MS_BIND | native.MS_REC | native.MS_REMOUNT | native.MS_RDONLY);
      // Private: the lazy unmount after the copy must not travel to the source's peers.
      native.mount(null, target, null, native.MS_REC | native.MS_PRIVATE);
    } catch (err) {
      native.umount2(target, native.MNT_DETACH);
      throw err;
    }
  } catch (err) {
    throw new System(`error while mounting ${source} on ${target}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Run `fn` with the container's volumes and binds mounted into `root`, then
 * unmount them (lazily, as dockerd) and drop the volumes' use, with the `mount`
 * and `unmount` events dockerd publishes for a copy.
 */
export async function withVolumes<T>(ctx: JobContext, c: ContainerRecord, root: string, fn: () => Promise<T>): Promise<T> {
  const points = [...copyMounts(c), ...networkFiles(ctx, c)];
  if (points.length === 0) return fn();
  // The copy holds its volumes under its own name, so that its release never
  // drops the hold of the container's run.
  const holder = `${c.Id}-copy-${randomBytes(4).toString('hex')}`;
  const mounted: string[] = [];
  const used: MountPoint[] = [];
  try {
    for (const m of points) {
      let source = m.Source;
      if (m.Type === 'volume' && ctx.volumes) {
        source = await ctx.volumes.mount(m.Name, holder);
        used.push(m);
        ctx.events.publish({
          Type: 'volume', Action: 'mount', id: m.Name,
          attributes: { container: c.Id, destination: m.Destination, driver: m.Driver, propagation: m.Propagation, 'read/write': String(m.RW) },
        });
      }
      let target: string;
      try {
        target = await mountTarget(root, m, source);
      } catch (err) {
        // A bind whose source was never made (the container never started): nothing to show.
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      bind(source, target, !m.RW);
      mounted.push(target);
    }
    return await fn();
  } finally {
    for (const target of mounted.reverse()) {
      try {
        native.umount2(target, native.MNT_DETACH);
      } catch (err) {
        ctx.log.warn(`unmounting ${target} after a copy: ${(err as Error).message}`);
      }
    }
    for (const m of used) {
      await ctx.volumes?.unmount(m.Name, holder).catch((err: Error) => ctx.log.warn(`releasing volume ${m.Name}: ${err.message}`));
      ctx.events.publish({ Type: 'volume', Action: 'unmount', id: m.Name, attributes: { container: c.Id, driver: m.Driver } });
    }
  }
}
