import { Conflict, System } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { containersOf, publish } from './common.js';
import { underContainerLock } from './runtime.js';
import './runtime-types.js';

/**
 * `POST /containers/{id}/unpause`: thaw the container's cgroup and record it
 * `running` again. Unpausing a container that is not paused is an illegal transition:
 * a 409 in dockerd's words (dockerd 20.10 leaves it unclassified, a 500).
 */
export const containerUnpause: Handler<'container_unpause'> = (job, ctx) =>
  underContainerLock(ctx, job.args.name, async (c, h) => {
    if (!c.State.Paused || !h) throw new Conflict(`Container ${c.Id} is not paused`);
    try {
      await h.resume();
    } catch (err) {
      throw new System(`Cannot unpause container ${c.Id}: ${(err as Error).message}`, { cause: err });
    }
    containersOf(ctx).transition(c, 'running');
    publish(ctx, c, 'unpause');
  });
