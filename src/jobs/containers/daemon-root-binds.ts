/**
 * Binds that hold the daemon's data root or lie inside it, as dockerd 20.10 treats
 * them (validateBindDaemonRoot at create, the fallback in its setMounts at start).
 * With private propagation the container would keep its own copies of the daemon's
 * mounts under the root (layers, volumes, other containers' shm), and the daemon could
 * not unmount those later. So such a bind gets rslave when no propagation is asked,
 * and only rslave or rshared are accepted.
 */
import { realpath } from 'node:fs/promises';
import { InvalidParameter } from '../../engine/errors.js';
import type { Propagation } from '../../libcontainer/mounts.js';
import { checkBindPropagation } from '../../libcontainer/propagation.js';
import { PROPAGATION_MODES, type ApiMount, type MountPoint } from '../../volumes/parse.js';
import type { JobContext } from '../context.js';

/** Resolved once per data root: it does not move while the daemon runs, and every create asks. */
const resolvedRoots = new Map<string, Promise<string>>();

/** dockerd's root is the data root with its symlinks resolved. */
export function daemonRoot(ctx: JobContext): Promise<string> {
  const root = ctx.config.dataRoot;
  let p = resolvedRoots.get(root);
  if (!p) resolvedRoots.set(root, (p = realpath(root).catch(() => root)));
  return p;
}

/** The propagation a `-v` bind asks for in its mode ('' for none). */
export function askedInMode(mode: string): string {
  return mode.split(',').find((w) => PROPAGATION_MODES.includes(w)) ?? '';
}

/** The propagation a `--mount` asks for ('' for none). */
export function askedInMount(m: ApiMount): string {
  return m.BindOptions?.Propagation ?? '';
}

/**
 * Sets rslave on a bind of the daemon root that asks for nothing (`AutoSlave`), refuses
 * one that asks for another mode. The test is a plain string prefix, as dockerd's.
 */
export function checkDaemonRootBind(root: string, mp: MountPoint, asked: string): void {
  const src = mp.SpecSource;
  if (mp.Type !== 'bind' || (!src.startsWith(root) && !root.startsWith(src))) return;
  if (asked === '') {
    mp.Propagation = 'rslave';
    mp.AutoSlave = true;
    return;
  }
  if (asked === 'rslave' || asked === 'rshared') return;
  throw new InvalidParameter('invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, '
    + `daemon root: ${JSON.stringify(root)}, bind mount source: ${JSON.stringify(src)}, propagation: ${JSON.stringify(asked)}`);
}

/**
 * The propagation a start gives the bind: an rslave that was not asked for falls back
 * to the default where the source's mount is neither shared nor a slave (rslave could
 * not work there), as dockerd's setMounts does; anything asked stays and is checked.
 */
export async function startPropagation(mp: MountPoint): Promise<Propagation | undefined> {
  if (mp.Type !== 'bind' || !mp.Propagation) return undefined;
  if (!mp.AutoSlave) return mp.Propagation as Propagation;
  return checkBindPropagation(mp.Source, 'rslave').then(() => 'rslave' as const, () => undefined);
}
