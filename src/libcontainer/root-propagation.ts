/**
 * The daemon's data root as a shared mount, as dockerd 20.10 sets it up at boot
 * (setupDaemonRootPropagation): a bind of the root into a container then gets rslave
 * propagation that works, so the daemon's later mounts under the root reach the
 * container and, above all, their unmounts do, instead of the container keeping
 * private copies that hold layers and volumes busy. A root already shared or a
 * slave is left alone. Where the root had to be bound on itself, the file
 * `<exec-root>/unmount-on-shutdown` says so, and a shutdown that leaves no container
 * running unmounts it again.
 */
import { mkdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MS_BIND, MS_SHARED, mount, umount2 } from './native.js';
import { mountOf, parsePropagation } from './propagation.js';

const marker = (execRoot: string): string => join(execRoot, 'unmount-on-shutdown');

async function rootMount(root: string): Promise<{ mountpoint: string; shared: boolean; slave: boolean } | undefined> {
  return mountOf(parsePropagation(await readFile('/proc/self/mountinfo', 'utf8')), root);
}

/** At boot, before anything is mounted under the root. */
export async function shareDaemonRoot(dataRoot: string, execRoot: string): Promise<void> {
  await mkdir(dataRoot, { recursive: true, mode: 0o711 });
  const root = await realpath(dataRoot);
  const m = await rootMount(root);
  if (!m || m.shared || m.slave) {
    // Still shared from a run that was killed: that run's bind (the marker survives in
    // the exec root) is this daemon's to undo at shutdown. dockerd forgets it here.
    const ours = m?.mountpoint === root && (await stat(marker(execRoot)).then(() => true, () => false));
    if (!ours) await rm(marker(execRoot), { force: true });
    return;
  }
  const own = m.mountpoint === root;
  if (!own) mount(root, root, null, MS_BIND);
  mount(null, root, null, MS_SHARED);
  // A root that was a mount point already was only made shared: it stays at shutdown.
  if (own) {
    await rm(marker(execRoot), { force: true });
    return;
  }
  await mkdir(execRoot, { recursive: true, mode: 0o700 });
  await writeFile(marker(execRoot), '', { mode: 0o600 });
}

/** At shutdown, once no container runs from the root: undo the bind made at boot. */
export async function unshareDaemonRoot(dataRoot: string, execRoot: string): Promise<void> {
  if (!(await stat(marker(execRoot)).then(() => true, () => false))) return;
  const root = await realpath(dataRoot);
  if ((await rootMount(root))?.mountpoint !== root) return;
  umount2(root);
  await rm(marker(execRoot), { force: true });
}
