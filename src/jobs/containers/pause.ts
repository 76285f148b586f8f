import { Conflict, System } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { containersOf, publish } from './common.js';
import { underContainerLock } from './runtime.js';
import './runtime-types.js';

/**
 * `POST /containers/{id}/pause`: freeze every process of the container (the freezer
 * cgroup on v1, `cgroup.freeze` on v2) and record it `paused`, as dockerd's
 * containerPause: 409 when it does not run, is already paused or is restarting.
 */
export const containerPause: Handler<'container_pause'> = (job, ctx) =>
  underContainerLock(ctx, job.args.name, async (c, h) => {
    const id = c.Id;
    if (!c.State.Running) throw new Conflict(`Container ${id} is not running`);
    if (c.State.Paused) throw new Conflict(`Container ${id} is already paused`);
    if (c.State.Restarting) throw new Conflict(`Container ${id} is restarting, wait until the container is running`);
    // Recorded running but its handle is gone: the exit is being recorded right now.
    if (!h) throw new Conflict(`Container ${id} is not running`);
    try {
      await h.pause();
    } catch (err) {
      throw new System(`Cannot pause container ${id}: ${(err as Error).message}`, { cause: err });
    }
    containersOf(ctx).transition(c, 'paused');
    publish(ctx, c, 'pause');
  });
