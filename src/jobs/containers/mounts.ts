/**
 * A container's volumes, binds and tmpfs mounts, as dockerd 20.10 resolves them:
 * at create (registerMountPoints + the image's anonymous volumes), at each start
 * (host paths, copy-up, mount events) and at rm (references, `-v`).
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { Conflict, InvalidParameter, isErrno, NotFound, System } from '../../engine/errors.js';
import type { BindInput } from '../../libcontainer/spec.js';
import { resolveInRoot } from '../../libcontainer/user.js';
import { copyTree } from '../../volumes/copy.js';
import type { LocalVolumes } from '../../volumes/local.js';
import {
  checkTmpfsDestination, cleanPath, parseBind, parseMountSpec, parseVolumesFrom, readWrite, validateMountSpec,
  type ApiMount, type MountPoint, type ParsedMount,
} from '../../volumes/parse.js';
import type { JobContext } from '../context.js';
import type { ContainerStore } from './store.js';
import type { ContainerRecord } from './types.js';
import { askedInMode, askedInMount, checkDaemonRootBind, daemonRoot, startPropagation } from './daemon-root-binds.js';

export type { MountPoint } from '../../volumes/parse.js';

/** The API's MountPoint (inspect's and ps's `Mounts`), keys in dockerd's order. */
export interface MountView {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

function volumesOf(ctx: JobContext): LocalVolumes {
  if (!ctx.volumes) throw new System('the volumes area is not installed');
  return ctx.volumes;
}

export function mountPointsOf(record: ContainerRecord): MountPoint[] {
  return (record.MountPoints ?? []) as MountPoint[];
}

/** Containers whose mount points name the volume, even stopped ones (dockerd's references). */
export function volumeUsers(containers: ContainerStore, name: string): string[] {
  return containers.all()
    .filter((c) => mountPointsOf(c).some((m) => m.Type === 'volume' && m.Name === name))
    .map((c) => c.Id);
}

/** The checks dockerd runs before creating (and again before starting) a container. */
export function validateMounts(record: ContainerRecord): void {
  for (const dest of Object.keys(tmpfsOf(record))) checkTmpfsDestination(dest);
  for (const m of (record.HostConfig.Mounts ?? []) as ApiMount[]) validateMountSpec(m);
}

function tmpfsOf(record: ContainerRecord): Record<string, string> {
  return (record.HostConfig.Tmpfs ?? {}) as Record<string, string>;
}

const duplicate = (dest: string): InvalidParameter => new InvalidParameter(`Duplicate mount point: ${dest}`);

/**
 * registerMountPoints: `--volumes-from`, then `-v` (Binds), then `--mount`, each
 * overriding earlier destinations of the previous steps, a destination given twice
 * by `-v`/`--mount` (or by `-v` and `--tmpfs`) refused.
 */
function collect(ctx: JobContext, record: ContainerRecord, root: string): ParsedMount[] {
  const { HostConfig: hc } = record;
  const points = new Map<string, ParsedMount>();
  const explicit = new Set<string>();
  for (const spec of (hc.VolumesFrom ?? []) as string[]) {
    const { id, mode } = parseVolumesFrom(spec);
    const from = ctx.containers?.find(id);
    if (!from) throw new InvalidParameter(`No such container: ${id}`);
    for (const m of mountPointsOf(from)) {
      // dockerd copies the mount point without its Mode: inspect shows '' on the copy.
      points.set(m.Destination, { mp: { ...m, Mode: '', RW: m.RW && readWrite(mode), CopyData: false } });
    }
  }
  const tmpfs = tmpfsOf(record);
  const volumeDriver = typeof hc.VolumeDriver === 'string' ? hc.VolumeDriver : '';
  for (const raw of (hc.Binds ?? []) as string[]) {
    const p = parseBind(raw, volumeDriver);
    checkDaemonRootBind(root, p.mp, askedInMode(p.mp.Mode));
    if (explicit.has(p.mp.Destination) || p.mp.Destination in tmpfs) throw duplicate(p.mp.Destination);
    explicit.add(p.mp.Destination);
    points.set(p.mp.Destination, p);
  }
  for (const m of (hc.Mounts ?? []) as ApiMount[]) {
    const p = parseMountSpec(m);
    checkDaemonRootBind(root, p.mp, askedInMount(m));
    if (explicit.has(p.mp.Destination)) throw duplicate(m.Target ?? '');
    if (p.mp.Type === 'bind') p.mp.SkipMountpointCreation = true;
    explicit.add(p.mp.Destination);
    points.set(p.mp.Destination, p);
  }
  // The image's and the user's VOLUMEs: anonymous, unless something is already there.
  for (const spec of Object.keys(record.Config.Volumes ?? {})) {
    const dest = cleanPath(spec);
    if (points.has(dest) || dest in tmpfs) continue;
    points.set(dest, {
      mp: { Type: 'volume', Name: '', Source: '', Destination: dest, Driver: '', Mode: '', RW: true, Propagation: '', SpecSource: '', CopyData: true },
      driver: volumeDriver,
      implicit: true,
    });
  }
  return [...points.values()];
}

/**
 * Resolve the container's mounts at create and set `record.MountPoints`: validate
 * with dockerd's messages, create missing named volumes and the anonymous ones. On
 * failure the anonymous volumes made here are removed again (named ones stay, as in
 * dockerd).
 */
export async function prepareMounts(ctx: JobContext, record: ContainerRecord): Promise<void> {
  validateMounts(record);
  const parsed = collect(ctx, record, await daemonRoot(ctx));
  const volumes = volumesOf(ctx);
  const made: string[] = [];
  try {
    for (const { mp, driver, labels, options, implicit } of parsed) {
      if (mp.Type !== 'volume' || mp.Source !== '') continue;
      const { volume, created } = await volumes.create({ name: mp.Name, driver: driver ?? '', labels: labels ?? null, options: options ?? null });
      volumes.hold(record.Id, volume.Name);
      if (created && mp.SpecSource === '') made.push(volume.Name);
      mp.Name = volume.Name;
      mp.Driver = volume.Driver;
      mp.Source = volume.Mountpoint;
      // dockerd's setBindModeIfNull for the local driver; the image's anonymous volumes keep ''.
      if (mp.Mode === '' && !implicit) mp.Mode = 'z';
    }
  } catch (err) {
    volumes.unhold(record.Id);
    for (const name of made) await volumes.remove(name, { except: record.Id }).catch(() => undefined);
    throw err;
  }
  record.MountPoints = parsed.map((p) => p.mp).sort((a, b) => a.Destination.localeCompare(b.Destination));
}

/** Copy the image's content at the destination into a still-empty volume (dockerd's populateVolumes). */
async function copyUp(rootfs: string, mp: MountPoint): Promise<void> {
  const from = await resolveInRoot(rootfs, mp.Destination);
  let st;
  try {
    st = await stat(from);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
    throw err;
  }
  if (!st.isDirectory()) {
    if (mp.SpecSource === '') throw new InvalidParameter(`cannot mount volume over existing file, file exists ${from}`);
    return;
  }
  if ((await readdir(mp.Source)).length > 0) return;
  await copyTree(from, mp.Source);
}

/**
 * What a start mounts: host paths to bind (volumes and binds) and the tmpfs mounts.
 * A `-v` bind source that does not exist is made (0755), a `--mount` one is refused;
 * a volume is seeded from the image on its first start unless `nocopy`. `announce`
 * publishes the volumes' `mount` events, as dockerd's setupMounts.
 */
export async function mountInputs(ctx: JobContext, record: ContainerRecord, rootfs: string):
  Promise<{ binds: BindInput[]; tmpfs: Record<string, string>; announce: () => void }> {
  validateMounts(record);
  const tmpfs: Record<string, string> = { ...tmpfsOf(record) };
  const points = mountPointsOf(record);
  for (const m of points) if (m.Type === 'tmpfs') tmpfs[m.Destination] = m.TmpfsData ?? '';
  const binds: BindInput[] = [];
  let copied = false;
  for (const m of points) {
    if (m.Type === 'tmpfs' || m.Destination in tmpfs) continue;
    if (m.Type === 'volume') {
      m.Source = await volumesOf(ctx).mount(m.Name, record.Id);
      if (m.CopyData) {
        await copyUp(rootfs, m);
        m.CopyData = false;
        copied = true;
      }
    } else if (!m.SkipMountpointCreation) {
      await mkdir(m.Source, { recursive: true, mode: 0o755 }).catch((err: unknown) => {
        if (!isErrno(err, 'EEXIST') && !isErrno(err, 'ENOTDIR')) {
          throw new System(`error while creating mount source path '${m.Source}': ${(err as Error).message}`, { cause: err });
        }
      });
    }
    // An image's `VOLUME data` keeps its relative Destination, as in dockerd, whose runc
    // mounted it under the rootfs root: /data.
    const b: BindInput = { source: m.Source, destination: posix.join('/', m.Destination), readOnly: !m.RW };
    const propagation = await startPropagation(m);
    if (propagation) b.propagation = propagation;
    binds.push(b);
  }
  // Copy-up happens once per container, as dockerd's at create: persist that it is done.
  if (copied) ctx.containers?.save(record);
  // The volumes' `mount` events, for the caller to publish where dockerd logs them:
  // after the network's `connect`, before the start.
  const announce = (): void => {
    for (const m of points) {
      if (m.Type !== 'volume' || m.Destination in tmpfs) continue;
      ctx.events.publish({
        Type: 'volume', Action: 'mount', id: m.Name,
        attributes: { container: record.Id, destination: m.Destination, driver: m.Driver, propagation: m.Propagation, 'read/write': String(m.RW) },
      });
    }
  };
  return { binds, tmpfs, announce };
}

/** The volumes' `unmount` events when a run ends, after its `die` and the network's `disconnect`, as dockerd's Cleanup. */
export function publishUnmounts(ctx: JobContext, record: ContainerRecord): void {
  const tmpfs = tmpfsOf(record);
  for (const m of mountPointsOf(record)) {
    if (m.Type !== 'volume' || m.Destination in tmpfs) continue;
    unmountVolume(ctx, m.Name, record.Id);
    ctx.events.publish({ Type: 'volume', Action: 'unmount', id: m.Name, attributes: { container: record.Id, driver: m.Driver } });
  }
}

/** Drop a run's use of a volume; the last user unmounts a volume with mount options. */
function unmountVolume(ctx: JobContext, name: string, containerId: string): void {
  ctx.volumes?.unmount(name, containerId)
    .catch((err: Error) => ctx.log.warn(`unmounting volume ${name} for container ${containerId}: ${err.message}`));
}

/** The record holding the mount points is written (or was never made): its volumes no longer need holding. */
export function settleMounts(ctx: JobContext, record: ContainerRecord): void {
  ctx.volumes?.unhold(record.Id);
}

/**
 * At rm: drop the container's references, and with `-v` remove its anonymous
 * volumes unless another container still uses one (never named ones). Failures
 * are logged, as dockerd does once the container itself is gone.
 */
export async function releaseMounts(ctx: JobContext, record: ContainerRecord, removeAnonymous: boolean): Promise<void> {
  settleMounts(ctx, record);
  // A start that failed after mounting leaves a use behind: drop it.
  for (const m of mountPointsOf(record)) if (m.Type === 'volume') await ctx.volumes?.unmount(m.Name, record.Id).catch(() => undefined);
  if (!removeAnonymous || !ctx.volumes) return;
  for (const m of mountPointsOf(record)) {
    if (m.Type !== 'volume' || m.SpecSource !== '') continue;
    try {
      await ctx.volumes.remove(m.Name, { except: record.Id });
    } catch (err) {
      // Gone already, or still used by another container: not an error, as in dockerd.
      if (err instanceof NotFound || err instanceof Conflict) continue;
      ctx.log.warn(`removing volume ${m.Name} of container ${record.Id}: ${(err as Error).message}`);
    }
  }
}

/** ps's `volume` filter: a value names a mount's destination, its volume, or a bind's source. */
export function mountsMatch(values: string[], record: ContainerRecord): boolean {
  return mountPointsOf(record).some((m) => values.includes(m.Destination) || values.includes(m.Name || m.Source));
}

/** `Mounts` of inspect and ps (dockerd's addMountPoints). */
export function mountsView(record: ContainerRecord): MountView[] {
  return mountPointsOf(record).map((m) => ({
    Type: m.Type,
    ...(m.Name ? { Name: m.Name } : {}),
    Source: m.Source,
    Destination: m.Destination,
    ...(m.Driver ? { Driver: m.Driver } : {}),
    Mode: m.Mode,
    RW: m.RW,
    Propagation: m.Propagation,
  }));
}
