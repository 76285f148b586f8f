import { lstat, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { System } from '../../engine/errors.js';
import type { JobContext } from '../context.js';
import type { ContainerStore } from './store.js';
import type { ContainerRecord } from './types.js';
import { checkWorkdir } from './workdir.js';

/** The containers' store; the composition root always installs it with this area. */
export function containersOf(ctx: JobContext): ContainerStore {
  if (!ctx.containers) throw new System('the containers area is not installed');
  return ctx.containers;
}

/** `<data-root>/containers/<id>`: hostname, hosts, resolv.conf, the log, as dockerd lays it out. */
export function containerDir(ctx: JobContext, id: string): string {
  return join(ctx.config.dataRoot, 'containers', id);
}

/**
 * What dockerd's init layer holds, made only where the image lacks it: mount points
 * the runtime covers (/proc, /sys, /dev/pts, /dev/shm), stubs of the files the daemon
 * bind-mounts (mode 0755 as dockerd makes them), and /etc/mtab → /proc/mounts.
 */
const INIT_LAYER: readonly [string, 'dir' | 'file' | { link: string }][] = [
  ['dev/pts', 'dir'], ['dev/shm', 'dir'], ['proc', 'dir'], ['sys', 'dir'],
  ['.dockerenv', 'file'], ['etc/resolv.conf', 'file'], ['etc/hosts', 'file'], ['etc/hostname', 'file'],
  ['dev/console', 'file'], ['etc/mtab', { link: '/proc/mounts' }],
];

/**
 * The entries are made side by side (a `run` waits for its create): none is inside
 * another, and concurrent `mkdir -p` of a shared parent (`dev`, `etc`) is safe.
 */
async function fillInitLayer(root: string): Promise<void> {
  await Promise.all(INIT_LAYER.map(async ([rel, kind]) => {
    const path = join(root, rel);
    try {
      await lstat(path);
      return; // the image has it
    } catch { /* missing: make it */ }
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    if (kind === 'dir') await mkdir(path, { mode: 0o755 });
    else if (kind === 'file') await writeFile(path, '', { mode: 0o755 });
    else await symlink(kind.link, path);
  }));
}

/**
 * The container's RW layer, as dockerd makes it: an `<id>-init` layer on the image's
 * top layer (see INIT_LAYER), then `<id>` on it, so that `docker diff` and `commit`
 * never report the init layer's entries as the container's changes.
 */
export async function createRwLayer(ctx: JobContext, id: string, topLayer: string | null, workingDir = ''): Promise<void> {
  const { driver } = ctx.graph;
  const parent = topLayer ? ctx.graph.getLayer(topLayer).cacheId : null;
  const init = `${id}-init`;
  await driver.create(init, parent);
  try {
    const root = await driver.get(init);
    try {
      await fillInitLayer(root);
      // dockerd refuses the create itself when the working directory cannot be one.
      await checkWorkdir(root, workingDir);
    } finally {
      await driver.put(init);
    }
    await driver.create(id, init);
  } catch (err) {
    await driver.remove(init).catch(() => undefined);
    throw err;
  }
}

/**
 * Undo createRwLayer; each half may be missing after a crash mid-create (or mid-remove:
 * the two are removed side by side, and a child without its parent is still removable).
 */
export async function removeRwLayer(ctx: JobContext, id: string): Promise<void> {
  const { driver } = ctx.graph;
  await Promise.all([id, `${id}-init`].map((layer) => (driver.exists(layer) ? driver.remove(layer) : undefined)));
}

/** The Actor attributes of a container event: its labels, then `image` and `name`, as dockerd. */
export function eventAttributes(c: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(c.Config.Labels ?? {}), image: String(c.Config.Image ?? ''), name: c.Name.slice(1), ...extra };
}

export function publish(ctx: JobContext, c: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
  ctx.events.publish({ Type: 'container', Action: action, id: c.Id, attributes: eventAttributes(c, extra) });
}
