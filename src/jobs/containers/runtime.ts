import type { ContainerHandle, ExecDriver } from '../../drivers/execdriver/types.js';
import { System } from '../../engine/errors.js';
import type { JobContext } from '../context.js';
import type { LiveContainers } from './live.js';

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
