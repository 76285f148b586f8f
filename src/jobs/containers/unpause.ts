import { Conflict, System } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { containersOf, publish } from './common.js';
import { runtimeOf } from './runtime.js';
import './runtime-types.js';

/**
 * `POST /containers/{id}/unpause`: thaw the container's cgroup and record it
 * `running` again. Unpausing a container that is not paused is an illegal transition:
 * a 409 in dockerd's words (dockerd 20.10 leaves it unclassified, a 500).
 */
export const containerUnpause: Handler<'container_unpause'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const rt = runtimeOf(ctx);
  const id = store.get(job.args.name).Id;
  await rt.locked(id, async () => {
    const c = store.get(id);
    const h = rt.handle(id);
    if (!c.State.Paused || !h) throw new Conflict(`Container ${id} is not paused`);
    try {
      await h.resume();
    } catch (err) {
      throw new System(`Cannot unpause container ${id}: ${(err as Error).message}`, { cause: err });
    }
    store.transition(c, 'running');
    publish(ctx, c, 'unpause');
  });
};
