import type { ContainerHandle, ExecDriver } from '../../drivers/execdriver/types.js';
import { System } from '../../engine/errors.js';
import type { JobContext } from '../context.js';
import type { LiveContainers } from './live.js';
import { containersOf } from './common.js';
import type { ContainerRecord } from './types.js';

/**
 * What the container jobs share about running containers: the execdriver, the live
 * handle of each running container, and a per-container lock so that start, stop,
 * kill, pause, commit and rm of one container never interleave.
 */
export interface Runtime {
  readonly driver: ExecDriver;
  /** The handle of a running (or paused) container; undefined when it does not run. */
  handle(id: string): ContainerHandle | undefined;
  /** Run `fn` with the container's lifecycle lock held (one at a time per container). */
  locked<T>(id: string, fn: () => Promise<T>): Promise<T>;
}

export function runtimeOf(ctx: JobContext): LiveContainers {
  if (!ctx.runtime) throw new System('the container runtime is not installed');
  return ctx.runtime;
}

/**
 * Run `fn` on a container with its lifecycle lock held (when the runtime is
 * installed): with its record as it is once the lock is taken, and the live handle
 * when it runs. Unknown names are dockerd's 404 before any lock is taken.
 */
export async function underContainerLock<T>(ctx: JobContext, ref: string, fn: (c: ContainerRecord, h: ContainerHandle | undefined) => Promise<T>): Promise<T> {
  const store = containersOf(ctx);
  const id = store.get(ref).Id;
  const body = (): Promise<T> => {
    const c = store.get(id);
    return fn(c, c.State.Running ? ctx.runtime?.handle(id) : undefined);
  };
  return ctx.runtime ? ctx.runtime.locked(id, body) : body();
}
