import { isErrno, NotFound } from '../../engine/errors.js';
import type { JobContext } from '../context.js';
import { withVolumes } from './archive-volumes.js';
import type { ContainerRecord } from './types.js';

/**
 * Run `fn` on the container's merged root filesystem: the graphdriver mounts the
 * RW layer (a running container already holds its own mount, so this only counts
 * one more user) and releases it after `fn` settles, streams included.
 */
export async function withRootfs<T>(ctx: JobContext, id: string, fn: (root: string) => Promise<T>): Promise<T> {
  const root = await ctx.graph.driver.get(id);
  try {
    return await fn(root);
  } finally {
    await ctx.graph.driver.put(id);
  }
}

/**
 * Hold the container's lifecycle lock while `fn` runs, as dockerd holds the
 * container lock through `docker cp`: a start, stop or rm waits for the copy.
 * Without a runtime (tests that run nothing) there is nothing to serialise with.
 */
export function underLock<T>(ctx: JobContext, id: string, fn: () => Promise<T>): Promise<T> {
  return ctx.runtime ? ctx.runtime.locked(id, fn) : fn();
}

/** dockerd's containerFileNotFound: the path and the container as the user typed them. */
export function fileNotFound(path: string, container: string, cause?: unknown): NotFound {
  return new NotFound(`Could not find the file ${path} in container ${container}`, { cause });
}

/** A lookup that failed because the path is not there (or a component is not a directory). */
export function isMissing(err: unknown): boolean {
  return isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR');
}

/**
 * Run `fn` with a running container frozen (and thawed after), unless it is paused
 * already or does not run. Commit does this so its layer is consistent; `docker cp`
 * and export do it so that a process in the container cannot swap a directory for
 * a symlink while the daemon walks or writes there (CVE-2018-15664 was that race;
 * dockerd 19.03 closed it the same way before moving to a chroot, which Node lacks).
 */
export async function frozen<T>(ctx: JobContext, record: ContainerRecord, fn: () => Promise<T>): Promise<T> {
  // The state as it is now, under the lock, not as it was when the request came.
  const c = ctx.containers?.find(record.Id) ?? record;
  const handle = c.State.Running && !c.State.Paused ? ctx.runtime?.handle(c.Id) : undefined;
  if (!handle) return fn();
  await handle.pause();
  try {
    return await fn();
  } finally {
    await handle.resume();
  }
}

/**
 * What `docker cp` works on, as dockerd sets it up: the container locked (and a
 * running one frozen), its rootfs mounted, its volumes and binds mounted into it.
 */
export function withCopyView<T>(ctx: JobContext, c: ContainerRecord, fn: (root: string) => Promise<T>): Promise<T> {
  return underLock(ctx, c.Id, () => frozen(ctx, c, () => withRootfs(ctx, c.Id, (root) => withVolumes(ctx, c, root, () => fn(root)))));
}
